// Alerts on what the Redis metrics sidecar serves (images/redis/redis-metrics: Debian's
// prometheus-redis-exporter 1.45, whose series names tests/servers/redis-metrics.test.ts pins),
// each one a condition an operator must act on. Pure data: scripts/pipeline/alert-rules.ts writes it as a
// Prometheus rules file, and tests/unit/alert-rules.test.ts proves each rule with promtool.
import { Port } from "../platform/ports";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold before the alert fires, e.g. "1m". */
  readonly for: string;
  readonly labels: { readonly severity: "critical" | "warning" };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** The share of maxmemory above which writes are close to being refused (noeviction). */
export const MEMORY_WARNING_RATIO = 0.9;
/** Seconds a replica may go without acknowledging its master before the lag is worth a look. */
export const REPLICA_LAG_SECONDS = 10;
/** Every slot of a Redis Cluster. */
const CLUSTER_SLOTS = 16384;

export const REDIS_ALERTS: readonly AlertRule[] = [
  {
    alert: "RedisDown",
    // Or the sidecar's own scrape fails: a server that stops answering in the middle of a TLS
    // handshake holds the sidecar past the scrape's timeout, and no redis_up arrives at all. The
    // sidecar's port tells its targets from the other ones of the same Prometheus.
    expr: `redis_up == 0 or up{instance=~".+:${Port.Metrics}"} == 0`,
    // Well inside the liveness probe's minute: a hung server is restarted then, and an alert that
    // waited that long would never fire for one.
    for: "20s",
    labels: { severity: "critical" },
    annotations: {
      summary: "Redis {{ $labels.pod }} does not answer its metrics sidecar",
      description:
        "The sidecar cannot reach or log in to the server in its own pod, or cannot be scraped itself: the server is down, stuck, or refuses the metrics user, or the pod is gone.",
    },
  },
  {
    alert: "RedisClusterStateFail",
    expr: "redis_cluster_state == 0",
    for: "1m",
    labels: { severity: "critical" },
    annotations: {
      summary: "Redis Cluster node {{ $labels.pod }} reports cluster_state:fail",
      description:
        "The node refuses every key: a master and its replicas are gone, or the node is cut off from the majority.",
    },
  },
  {
    alert: "RedisClusterSlotsNotCovered",
    expr: `redis_cluster_slots_ok < ${CLUSTER_SLOTS}`,
    for: "2m",
    labels: { severity: "critical" },
    annotations: {
      summary: "Redis Cluster node {{ $labels.pod }} sees {{ $value }} of 16384 slots served",
      description: "Keys in the missing slots can be neither read nor written (cluster-require-full-coverage).",
    },
  },
  {
    alert: "RedisReplicationBroken",
    expr: "redis_master_link_up == 0",
    for: "1m",
    labels: { severity: "warning" },
    annotations: {
      summary: "Replica {{ $labels.pod }} has lost its link to its master",
      description:
        "It serves stale data and cannot take over without losing writes; its master may refuse writes once no replica is in reach (min-replicas-to-write).",
    },
  },
  {
    alert: "RedisReplicaLagging",
    expr: `redis_connected_slave_lag_seconds > ${REPLICA_LAG_SECONDS}`,
    for: "2m",
    labels: { severity: "warning" },
    annotations: {
      summary: "A replica of {{ $labels.pod }} is {{ $value }} s behind",
      description: "Writes acknowledged by the master alone would be lost in a failover to that replica.",
    },
  },
  {
    alert: "RedisAofWriteError",
    expr: "redis_aof_last_write_status == 0",
    for: "0m",
    labels: { severity: "critical" },
    annotations: {
      summary: "Redis {{ $labels.pod }} cannot write its append-only file",
      description:
        "The server refuses writes until the AOF can be written again: look at its volume (full, read-only, NFS server unreachable).",
    },
  },
  {
    alert: "RedisMemoryNearMax",
    // The ratio is the value; a server without maxmemory (0) divides to +Inf and is left out by the `and`.
    expr: `redis_memory_used_bytes / redis_memory_max_bytes > ${MEMORY_WARNING_RATIO} and redis_memory_max_bytes > 0`,
    for: "5m",
    labels: { severity: "warning" },
    annotations: {
      summary: "Redis {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its maxmemory",
      description:
        "With maxmemory-policy noeviction every write is refused once it is full: raise maxmemory or free keys.",
    },
  },
  {
    alert: "RedisSentinelMasterDown",
    expr: 'redis_sentinel_master_status{master_status!="ok"} == 1',
    for: "1m",
    labels: { severity: "critical" },
    annotations: {
      summary: "Sentinel {{ $labels.pod }} sees master {{ $labels.master_name }} as {{ $labels.master_status }}",
      description: "The master does not answer the sentinels; if no failover follows, no replica could be promoted.",
    },
  },
  {
    alert: "RedisSentinelNoQuorum",
    expr: "redis_sentinel_master_ckquorum_status == 0",
    for: "1m",
    labels: { severity: "critical" },
    annotations: {
      summary: "Sentinel {{ $labels.pod }} cannot reach quorum for {{ $labels.master_name }}",
      description:
        "Too few sentinels are in reach to agree the master is down or to authorize a failover: a master loss now would be an outage.",
    },
  },
];
