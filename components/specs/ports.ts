/** Ports are fixed: they appear in images, probes, Services, NetworkPolicies and policies alike. */
export const Port = {
  ZooKeeperClient: 2181,
  ZooKeeperQuorum: 2888,
  ZooKeeperElection: 3888,
  Redis: 6379,
  RedisBus: 16379,
  Sentinel: 26379,
} as const;
