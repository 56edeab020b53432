// What the node-capacity preflight check (preflight-checks.ts) asks the cluster about.
import { AntiAffinity, StackSettings, WORKLOAD_NAME } from "../config/settings";
import { sentinelDataName } from "../redis/sentinel/redis-sentinel";
import { clusterSize } from "../redis/cluster/slot-plan";

/**
 * Pods per StatefulSet that `required` anti-affinity keeps one per node, for the node-capacity
 * check; none with "preferred", which lets members share a node.
 */
export function podsToSpread(s: StackSettings): Record<string, number> {
  if (s.antiAffinity !== AntiAffinity.Required) return {};
  const pods: Record<string, number> = {};
  if (s.zookeeper.enabled) pods[WORKLOAD_NAME.zookeeper] = s.zookeeper.replicas;
  if (s.redis.enabled) pods[WORKLOAD_NAME.redis] = 1;
  if (s.redisCluster.enabled)
    pods[WORKLOAD_NAME.redisCluster] = clusterSize(s.redisCluster.masters, s.redisCluster.replicasPerMaster);
  if (s.redisSentinel.enabled) {
    pods[sentinelDataName(WORKLOAD_NAME.redisSentinel)] = s.redisSentinel.dataReplicas;
    pods[WORKLOAD_NAME.redisSentinel] = s.redisSentinel.sentinels;
  }
  return pods;
}
