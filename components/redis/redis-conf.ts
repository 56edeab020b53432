import { AppendFsync } from "../config/settings";
import { Port } from "../platform/ports";
import { dataNodeAcl, sentinelAcl } from "./redis-acl";

/** How the image's entrypoint completes redis.conf; the names are the REDIS_MODE values it knows. */
export const RedisMode = { Standalone: "standalone", Cluster: "cluster", SentinelData: "sentinel-data" } as const;
export type RedisMode = (typeof RedisMode)[keyof typeof RedisMode];

export interface RedisConfArgs {
  /** Standalone, Redis Cluster node or Sentinel-managed data node; decides the cluster lines and ACL users. */
  readonly mode: RedisMode;
  /** Memory limit with its unit, e.g. "1gb"; writes are refused beyond it (noeviction). */
  readonly maxmemory: string;
  /** How often the AOF is synced to disk. */
  readonly appendfsync: AppendFsync;
  /** Redis Cluster's node timeout, in cluster mode only. Defaults to 5000. */
  readonly clusterNodeTimeoutMs?: number;
  /** ACL rules of the `default` user (see redis-acl.ts). */
  readonly clientAcl: string;
  /** Let clients run Lua scripts and functions (with their own rights). Defaults to false. */
  readonly clientScripting?: boolean;
  /** Accept the previous client password beside the current one (a rotation in progress). Defaults to false. */
  readonly acceptsPreviousPassword?: boolean;
  /** Speak TLS with mutual authentication on every channel. Defaults to none: plain text. */
  readonly tls?: RedisTls;
  /** Have the `metrics` user the pod's metrics sidecar reads the server as. Defaults to false. */
  readonly metrics?: boolean;
}

export interface RedisTls {
  /** Keep a plain-text client port (Port.RedisPlain) beside the TLS one. */
  readonly plaintextPort: boolean;
}

/** Where the pods mount their certificate, its key and the authority (the <workload>-tls Secret). */
export const TLS_DIR = "/etc/tls";

/**
 * TLS on the client port (Port.Redis), replication and, for a cluster node, the cluster bus, with
 * a certificate demanded of every peer and client (tls-auth-clients): the bus has no password, so
 * without it any pod that reaches 16379 could MEET a node, make itself a master's replica and take
 * the master over. Redis checks that a certificate chains to the authority, not its names: the
 * authority is this workload's alone, so holding one of its certificates is being a member.
 */
function tlsLines(
  tls: RedisTls,
  cluster: boolean,
  ports: { tls: number; plain: number } = { tls: Port.Redis, plain: Port.RedisPlain },
): string[] {
  return [
    `port ${tls.plaintextPort ? ports.plain : 0}`,
    `tls-port ${ports.tls}`,
    `tls-cert-file ${TLS_DIR}/tls.crt`,
    `tls-key-file ${TLS_DIR}/tls.key`,
    `tls-ca-cert-file ${TLS_DIR}/ca.crt`,
    "tls-auth-clients yes",
    "tls-replication yes",
    ...(cluster ? ["tls-cluster yes"] : []),
    'tls-protocols "TLSv1.2 TLSv1.3"',
    "tls-prefer-server-ciphers yes",
  ];
}

/** Replicas in reach a Sentinel-managed master needs to accept a write. */
export const MIN_REPLICAS_TO_WRITE = 1;
/** How long (seconds since its last ack) a replica still counts as in reach. */
export const MIN_REPLICAS_MAX_LAG_SECONDS = 10;

/**
 * redis.conf with the ACL users; the entrypoint fills in password hashes and the replication
 * password, and appends what differs per pod: announced hostname and, for Sentinel data pods, replicaof.
 */
export function redisConf(a: RedisConfArgs): string {
  const lines = [
    "bind * -::*",
    // Auth, not loopback binding, protects the server; protected mode would refuse pod-to-pod traffic.
    "protected-mode no",
    ...(a.tls ? tlsLines(a.tls, a.mode === RedisMode.Cluster) : [`port ${Port.Redis}`]),
    "dir /data",
    "appendonly yes",
    `appendfsync ${a.appendfsync}`,
    "aof-use-rdb-preamble yes",
    // The AOF is the persistence. RDB save points beside it fork the server every minute under
    // load (copy-on-write can double memory at maxmemory) and make every shutdown write a full
    // snapshot, which on NFS can outlast the termination grace period.
    'save ""',
    `maxmemory ${a.maxmemory}`,
    // A data store must refuse writes when full rather than silently evict data.
    "maxmemory-policy noeviction",
    "tcp-keepalive 60",
    "loglevel notice",
    ...dataNodeAcl(
      a.clientAcl,
      {
        sentinelManaged: a.mode === RedisMode.SentinelData,
        clusterNode: a.mode === RedisMode.Cluster,
        metrics: a.metrics,
      },
      a.clientScripting,
      a.acceptsPreviousPassword,
    ),
  ];
  if (a.mode === RedisMode.Cluster) {
    lines.push(
      "cluster-enabled yes",
      "cluster-config-file /data/nodes.conf",
      `cluster-node-timeout ${a.clusterNodeTimeoutMs ?? 5000}`,
      // Redirects and CLUSTER SLOTS carry the address the cluster itself knows (gossip updates it
      // within a second of a pod coming back elsewhere). A DNS name would be served stale for up to
      // the records' TTL plus any client cache (CoreDNS: 30 s), leaving those slots unwritable to
      // every client. The names stay announced (cluster-announce-hostname) for people and tools.
      "cluster-preferred-endpoint-type ip",
      "cluster-require-full-coverage yes",
      "cluster-allow-reads-when-down no",
    );
  }
  if (a.mode === RedisMode.SentinelData) {
    lines.push(
      "replica-read-only yes",
      "replica-serve-stale-data yes",
      "repl-diskless-sync yes",
      // A master cut off from every replica (a partition, a replica resyncing) refuses writes
      // rather than acknowledge ones a failover on the other side would discard. With two
      // replicas one may be down or syncing and writes go on.
      `min-replicas-to-write ${MIN_REPLICAS_TO_WRITE}`,
      `min-replicas-max-lag ${MIN_REPLICAS_MAX_LAG_SECONDS}`,
    );
  }
  return lines.join("\n") + "\n";
}

export interface SentinelConfArgs {
  /** The name the sentinels monitor the master under. */
  readonly masterName: string;
  /** Sentinels that must agree the master is down before a failover. */
  readonly quorum: number;
  /** How long the master may not answer before a sentinel thinks it down. */
  readonly downAfterMs: number;
  /** How long one failover may take before another sentinel tries. */
  readonly failoverTimeoutMs: number;
  /** Port of the data pods. Defaults to 6379. */
  readonly masterPort?: number;
  /** Accept the previous client password beside the current one (a rotation in progress). Defaults to false. */
  readonly acceptsPreviousPassword?: boolean;
  /**
   * Speak TLS with mutual authentication, to clients and (tls-replication) to the data pods and the
   * other sentinels, which must speak it too. Defaults to none: plain text.
   */
  readonly tls?: RedisTls;
  /** Have the `metrics` user the pod's metrics sidecar reads the sentinel as. Defaults to false. */
  readonly metrics?: boolean;
}

/** Placeholder the sentinel entrypoint replaces with the master it discovers (or data pod 0 on first start). */
export const MASTER_HOST_PLACEHOLDER = "@MASTER_HOST@";

export function sentinelConf(a: SentinelConfArgs): string {
  return (
    [
      ...(a.tls
        ? tlsLines(a.tls, false, { tls: Port.Sentinel, plain: Port.SentinelPlain })
        : [`port ${Port.Sentinel}`]),
      // The rewritten config holds the sentinels' passwords, so it lives in memory (/run/app); the
      // entrypoint keeps only the state that must survive a restart on the volume.
      "dir /run/app",
      // Both must precede the monitor line so the master may be named by its DNS name.
      "sentinel resolve-hostnames yes",
      "sentinel announce-hostnames yes",
      `sentinel monitor ${a.masterName} ${MASTER_HOST_PLACEHOLDER} ${a.masterPort ?? Port.Redis} ${a.quorum}`,
      `sentinel down-after-milliseconds ${a.masterName} ${a.downAfterMs}`,
      `sentinel failover-timeout ${a.masterName} ${a.failoverTimeoutMs}`,
      `sentinel parallel-syncs ${a.masterName} 1`,
      ...sentinelAcl(a.masterName, a.acceptsPreviousPassword, a.metrics),
    ].join("\n") + "\n"
  );
}
