/** Ports are fixed: they appear in images, probes, Services, NetworkPolicies and policies alike. */
export const Port = {
  /** The ZooKeeper client port: TLS where the ensemble speaks it. */
  ZooKeeperClient: 2181,
  /** A plain-text ZooKeeper client port kept beside the TLS one while applications move (tls.plaintextPorts). */
  ZooKeeperPlain: 2182,
  ZooKeeperQuorum: 2888,
  ZooKeeperElection: 3888,
  /** The Redis client port: TLS where the workload speaks it. */
  Redis: 6379,
  /** A plain-text client port kept beside the TLS one while applications move (tls.plaintextPorts). */
  RedisPlain: 6380,
  RedisBus: 16379,
  /** Sentinel: TLS where the workload speaks it. */
  Sentinel: 26379,
  /** A plain-text Sentinel port kept beside the TLS one while applications move (tls.plaintextPorts). */
  SentinelPlain: 26380,
  /** The metrics sidecar's Prometheus endpoint (/metrics), on every Redis pod when metrics are on. */
  Metrics: 9121,
  /** ZooKeeper's own Prometheus endpoint (its metrics provider's /metrics), when metrics are on. */
  ZooKeeperMetrics: 7000,
} as const;
