// What the preflight checks (providers/preflight-checks.ts) ask the cluster about, from the settings.
import type { StorageRoot } from "./providers/storage-root-logic";
import { AntiAffinity, StackSettings, StorageSettings } from "./settings";
import { WorkloadName } from "./verification-plan";

/**
 * Pods per StatefulSet that `required` anti-affinity keeps one per node, for the node-capacity
 * check; none with "preferred", which lets members share a node.
 */
export function podsToSpread(s: StackSettings): Record<string, number> {
  if (s.antiAffinity !== AntiAffinity.Required) return {};
  const pods: Record<string, number> = {};
  if (s.zookeeper.enabled) pods[WorkloadName.ZooKeeper] = s.zookeeper.replicas;
  if (s.redis.enabled) pods[WorkloadName.Redis] = 1;
  if (s.redisCluster.enabled) pods[WorkloadName.RedisCluster] = s.redisCluster.masters * (1 + s.redisCluster.replicasPerMaster);
  if (s.redisSentinel.enabled) {
    pods[`${WorkloadName.RedisSentinel}-data`] = s.redisSentinel.dataReplicas;
    pods[WorkloadName.RedisSentinel] = s.redisSentinel.sentinels;
  }
  return pods;
}

/** The directory every static volume of the stack lives under; none when a StorageClass provisions them. */
export function storageRoot(storage: StorageSettings): StorageRoot | undefined {
  if (storage.nfs) return { kind: "nfs", server: storage.nfs.server, path: storage.nfs.path };
  if (storage.local) return { kind: "local", node: storage.local.node, path: storage.local.path };
  return undefined;
}
