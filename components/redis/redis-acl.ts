// Who may do what on the Redis data ports and the Sentinel port. The rules are rendered into
// redis.conf / sentinel.conf with placeholders the entrypoint replaces at start (see
// images/redis/redis-common.sh): @HASH:<file>@ becomes #<sha256 of the password in that auth file>,
// @SECRET:<file>@ the password itself (only internal, generated passwords are ever written out).
import { SENTINEL_HELLO_CHANNEL } from "../config/client-acl";
import { AuthFile } from "../platform/auth-files";

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

const secretOf = (f: AuthFile) => `@SECRET:${f}@`;

/**
 * The rules that follow the stack's client rules. Off (the default): no EVAL, FCALL, SCRIPT or
 * FUNCTION for clients, whatever the client rules grant, since one bug in a script an application
 * sends runs arbitrary commands. On (`clientScripting: true`): scripts and functions run with the
 * client's own rights, and no client can wipe or replace the server's loaded ones.
 */
export function clientScriptingRules(on: boolean): string {
  return on ? "+@scripting -script|flush -function|flush -function|delete -function|restore" : "-@scripting";
}

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
