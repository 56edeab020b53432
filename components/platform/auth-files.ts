// The files of a workload's auth Secret: one password each, or a password's hash where a server only
// checks it. The entrypoints, probes and hooks in the images read them by these names.

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
