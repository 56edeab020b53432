// What the node-capacity preflight check (providers/preflight-checks.ts) asks the cluster about.
import { AntiAffinity, StackSettings } from "./settings";
import { clusterSize } from "./specs/slot-plan";
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
  if (s.redisCluster.enabled)
    pods[WorkloadName.RedisCluster] = clusterSize(s.redisCluster.masters, s.redisCluster.replicasPerMaster);
  if (s.redisSentinel.enabled) {
    pods[`${WorkloadName.RedisSentinel}-data`] = s.redisSentinel.dataReplicas;
    pods[WorkloadName.RedisSentinel] = s.redisSentinel.sentinels;
  }
  return pods;
}
