// Who may do what on the Redis data ports and the Sentinel port. The rules are rendered into
// redis.conf / sentinel.conf with placeholders the entrypoint replaces at start (see
// images/redis/redis-common.sh): @HASH:<file>@ becomes #<sha256 of the password in that auth file>,
// @SECRET:<file>@ the password itself (only internal, generated passwords are ever written out).

/** Files of the mounted auth Secret, one password each; the entrypoints and probes read these. */
export const AuthFile = {
  /** `default` user: the applications. */
  Password: "password",
  /** The client password being rotated out, accepted beside `password` while the stack sets it. */
  PreviousPassword: "previous-password",
  /** `admin` user: operators and the program's cluster management. */
  AdminPassword: "admin-password",
  /** `replication` user: a replica syncing from its master. */
  Replication: "replication-password",
  /** `sentinel` user on the data nodes: what the sentinels monitor and reconfigure them with. */
  Sentinel: "sentinel-password",
  /** `sentinel-peer` user on the sentinels: sentinel-to-sentinel hellos and votes. */
  SentinelPeer: "sentinel-peer-password",
  /** `discovery` user on the sentinels: entrypoints asking who is master before they start. */
  Discovery: "discovery-password",
  /** `handover` user on the data nodes and sentinels: a master's preStop hook handing its role to a replica. */
  Handover: "handover-password",
  /** `cluster-peers` user on Redis Cluster nodes: each node finding peers that came back at new addresses. */
  ClusterPeers: "cluster-peers-password",
  /** `metrics` user on every Redis server and sentinel: the pod's metrics sidecar (images/redis/redis-metrics). */
  Metrics: "metrics-password",
} as const;
export type AuthFile = (typeof AuthFile)[keyof typeof AuthFile];

/** The internal users a Sentinel workload's Secret holds (data nodes and sentinels share it). */
export const SENTINEL_INTERNAL_USERS = [
  AuthFile.Replication,
  AuthFile.Sentinel,
  AuthFile.SentinelPeer,
  AuthFile.Discovery,
  AuthFile.Handover,
] as const;
/** The internal users a Redis Cluster's Secret holds. */
export const CLUSTER_INTERNAL_USERS = [AuthFile.Replication, AuthFile.ClusterPeers, AuthFile.Handover] as const;
/** Users whose passwords the program derives from internalSecret; no person ever types them. */
export const INTERNAL_USERS = [...new Set([...SENTINEL_INTERNAL_USERS, ...CLUSTER_INTERNAL_USERS, AuthFile.Metrics])];

const hash = (f: AuthFile) => `@HASH:${f}@`;

/** The client password's hash, and during a rotation the previous one's: a user may have several passwords. */
const clientPasswords = (acceptsPrevious: boolean) =>
  acceptsPrevious ? `${hash(AuthFile.Password)} ${hash(AuthFile.PreviousPassword)}` : hash(AuthFile.Password);

/** The auth Secret's key with a password's SHA-256 (hex): all a server needs to check that password. */
export function hashFile(file: string): string {
  return `${file}.sha256`;
}

/**
 * The auth Secret's keys one container mounts: a password itself only where it is sent (a config's
 * @SECRET:, or `sends`, what the container's scripts authenticate with), and for every password
 * its config only checks (@HASH:), its hash. A Redis pod never holds the client or admin password.
 */
export function mountedAuthFiles(templates: readonly string[], sends: readonly string[]): string[] {
  const text = templates.join("\n");
  const plain = new Set([...[...text.matchAll(/@SECRET:([^@]+)@/g)].map((m) => m[1]), ...sends]);
  const hashed = [...text.matchAll(/@HASH:([^@]+)@/g)].map((m) => m[1]).filter((f) => !plain.has(f));
  return [...new Set([...plain, ...hashed.map(hashFile)])].sort();
}
const secretOf = (f: AuthFile) => `@SECRET:${f}@`;

/**
 * What applications may run, unless the stack says otherwise: everything but @dangerous (FLUSH*, KEYS,
 * SWAPDB, MIGRATE, RESTORE, DEBUG, CONFIG, ACL, replication and cluster management), plus INFO and
 * ROLE that client libraries use to find the master. No Pub/Sub channel unless listed (Redis 7's
 * own default for new users). Scripting is decided apart from these rules: clientScriptingRules.
 */
export const DEFAULT_CLIENT_ACL = "~* resetchannels +@all -@dangerous +info +role";

/**
 * The rules that follow the stack's client rules. Off (the default): no EVAL, FCALL, SCRIPT or
 * FUNCTION for clients, whatever the client rules grant, since one bug in a script an application
 * sends runs arbitrary commands. On (`clientScripting: true`): scripts and functions run with the
 * client's own rights, and no client can wipe or replace the server's loaded ones.
 */
export function clientScriptingRules(on: boolean): string {
  return on ? "+@scripting -script|flush -function|flush -function|delete -function|restore" : "-@scripting";
}

/** The channel Sentinel's gossip runs on; whoever may publish there can steer the sentinels. */
export const SENTINEL_HELLO_CHANNEL = "__sentinel__:hello";

/** Which internal users a data node has besides clients, admin and replication. */
export interface DataNodeRole {
  /** The sentinels monitor it and a stopping master hands over (`sentinel`, `handover`). */
  readonly sentinelManaged?: boolean;
  /** A Redis Cluster node, which finds its peers again after they move (`cluster-peers`). */
  readonly clusterNode?: boolean;
  /** A metrics sidecar reads the server (`metrics`). */
  readonly metrics?: boolean;
}

/**
 * The metrics sidecar's user on a data node (Debian's prometheus-redis-exporter, images/redis/redis-metrics):
 * what its scrape asks, and nothing that reads a key or the config. Not CONFIG GET (its answer holds
 * masterauth; the sidecar never asks), not SLOWLOG GET (it shows slow commands' arguments, that is
 * data: the exporter logs one warning and leaves the slowlog-id series out).
 */
export function dataNodeMetricsUser(clusterNode: boolean): string {
  return (
    `user metrics on ${hash(AuthFile.Metrics)} resetchannels -@all +ping +info +client|setname +slowlog|len +latency|latest` +
    (clusterNode ? " +cluster|info" : "")
  );
}

/** The metrics sidecar's user on a sentinel: its own INFO and what it knows of the master it watches. */
export const SENTINEL_METRICS_USER =
  `user metrics on ${hash(AuthFile.Metrics)} resetchannels -@all +auth +hello +ping +info +client|setname ` +
  "+sentinel|masters +sentinel|sentinels +sentinel|slaves +sentinel|replicas +sentinel|ckquorum";

/**
 * ACL users of a data node: clients (scripting off unless `clientScripting`; the previous client
 * password too while `acceptsPreviousPassword`), admin, replication, and what its role adds.
 */
export function dataNodeAcl(
  clientAcl: string,
  role: DataNodeRole = {},
  clientScripting = false,
  acceptsPreviousPassword = false,
): string[] {
  const sentinelManaged = role.sentinelManaged ?? false;
  return [
    `user default on ${clientPasswords(acceptsPreviousPassword)} resetkeys resetchannels -@all ${clientAcl} ${clientScriptingRules(clientScripting)}`,
    `user admin on ${hash(AuthFile.AdminPassword)} ~* &* +@all`,
    // ROLE: the readiness probe (images/redis/redis-probe) checks a replica's link with this user.
    `user replication on ${hash(AuthFile.Replication)} resetchannels -@all +psync +replconf +ping +role`,
    // images/redis/redis-cluster-peers: who is at this address, introduce a known node at its new one,
    // and point a replica's link at its master's current address (ROLE, CLUSTER REPLICATE of that master).
    ...(role.clusterNode
      ? [
          `user cluster-peers on ${hash(AuthFile.ClusterPeers)} resetchannels -@all +ping +role +cluster|myid +cluster|nodes +cluster|meet +cluster|replicate`,
          // images/redis/redis-cluster-handover: a stopping master has its replica take over (CLUSTER FAILOVER, never FORCE or TAKEOVER: no keys).
          `user handover on ${hash(AuthFile.Handover)} resetchannels -@all +ping +role +info +cluster|nodes +cluster|failover`,
        ]
      : []),
    ...(role.metrics ? [dataNodeMetricsUser(role.clusterNode ?? false)] : []),
    ...(sentinelManaged
      ? [
          // What Redis's Sentinel documentation lists for a sentinel's user, as subcommands where it can be narrowed.
          `user sentinel on ${hash(AuthFile.Sentinel)} resetchannels &${SENTINEL_HELLO_CHANNEL} -@all +ping +info +role +multi +exec +subscribe +publish ` +
            "+client|setname +client|kill +slaveof +replicaof +config|rewrite +script|kill",
          // images/redis/redis-handover: hold writes while the replicas catch up, then follow the promoted one.
          `user handover on ${hash(AuthFile.Handover)} resetchannels -@all +ping +role +info +client|list +client|pause +client|unpause +replicaof`,
        ]
      : []),
    "masteruser replication",
    `masterauth ${secretOf(AuthFile.Replication)}`,
  ];
}

/**
 * ACL users of a sentinel. Clients may only discover the master, replicas and sentinels and subscribe
 * to the events; nothing they can send reconfigures a sentinel or reaches the gossip channel.
 */
export function sentinelAcl(masterName: string, acceptsPreviousPassword = false, metrics = false): string[] {
  const discover =
    "+sentinel|get-master-addr-by-name +sentinel|master +sentinel|masters +sentinel|replicas +sentinel|slaves +sentinel|sentinels +sentinel|ckquorum";
  return [
    `user default on ${clientPasswords(acceptsPreviousPassword)} resetchannels &* -@all +auth +hello +ping +info +role +client|setname ${discover} +subscribe +psubscribe +unsubscribe +punsubscribe`,
    `user discovery on ${hash(AuthFile.Discovery)} resetchannels -@all +auth +hello +ping +sentinel|get-master-addr-by-name`,
    `user handover on ${hash(AuthFile.Handover)} resetchannels -@all +auth +hello +ping +sentinel|get-master-addr-by-name +sentinel|master +sentinel|replicas +sentinel|failover`,
    `user sentinel-peer on ${hash(AuthFile.SentinelPeer)} resetchannels &${SENTINEL_HELLO_CHANNEL} -@all +auth +hello +ping +publish +client|setname +sentinel|is-master-down-by-addr`,
    `user admin on ${hash(AuthFile.AdminPassword)} ~* &* +@all`,
    ...(metrics ? [SENTINEL_METRICS_USER] : []),
    "sentinel sentinel-user sentinel-peer",
    `sentinel sentinel-pass ${secretOf(AuthFile.SentinelPeer)}`,
    `sentinel auth-user ${masterName} sentinel`,
    `sentinel auth-pass ${masterName} ${secretOf(AuthFile.Sentinel)}`,
  ];
}
