// What each workload's health assertion checks, from its name, settings and DNS zone alone: the
// components hand it to their health resources and verify's plan to the same checks, so a live
// stack is re-checked against exactly the members the deployment asserted.
import { RedisClusterSettings, RedisSentinelSettings, ZooKeeperSettings } from "../config/settings";
import { podHosts } from "./network";
import { Port } from "./ports";
import { clusterSize } from "./slot-plan";
import { ZOOKEEPER_CLIENT_USER } from "./zoo-cfg";

/** `host:port` of every pod of a StatefulSet, in ordinal order. */
export function podEndpoints(statefulSet: string, replicas: number, zone: string, port: number): string[] {
  return podHosts(statefulSet, replicas, zone).map((h) => `${h}:${port}`);
}

export function zookeeperHealthInputs(name: string, s: Pick<ZooKeeperSettings, "replicas">, zone: string) {
  return {
    servers: podEndpoints(name, s.replicas, zone, Port.ZooKeeperClient),
    expectedSize: s.replicas,
    clientUser: ZOOKEEPER_CLIENT_USER,
  };
}

export function redisStandaloneHealthInputs(name: string, zone: string) {
  return { endpoint: podEndpoints(name, 1, zone, Port.Redis)[0] };
}

export function redisClusterHealthInputs(
  name: string,
  s: Pick<RedisClusterSettings, "masters" | "replicasPerMaster">,
  zone: string,
) {
  return {
    nodes: podEndpoints(name, clusterSize(s.masters, s.replicasPerMaster), zone, Port.Redis),
    expectedMasters: s.masters,
    replicasPerMaster: s.replicasPerMaster,
  };
}

export function redisSentinelHealthInputs(
  name: string,
  s: Pick<RedisSentinelSettings, "sentinels" | "masterName" | "dataReplicas">,
  zone: string,
) {
  return {
    sentinels: podEndpoints(name, s.sentinels, zone, Port.Sentinel),
    masterName: s.masterName,
    expectedReplicas: s.dataReplicas - 1,
  };
}
