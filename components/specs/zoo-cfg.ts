import { ZooKeeperSettings } from "../config/settings";
import { Port } from "./ports";

/** Files of a ZooKeeper auth Secret (mounted at /etc/auth; the first two named as Redis names them); images/zookeeper/zk-entrypoint reads them. */
export const ZooKeeperAuthFile = {
  /** SASL password of ZOOKEEPER_CLIENT_USER. */
  Password: "password",
  /** Password of `super`, whose digest the entrypoint adds to its copy of zoo.cfg. */
  AdminPassword: "admin-password",
  /** SASL password the members use among themselves on the quorum and election ports. */
  QuorumPassword: "quorum-password",
} as const;

/** The SASL user applications authenticate as; the root znode's ACL grants it create, read, write, delete. */
export const ZOOKEEPER_CLIENT_USER = "app";

/** Our digest provider (images/zookeeper/auth): the digest scheme for `super` alone. */
export const SUPER_ONLY_DIGEST_PROVIDER = "middleware.zookeeper.SuperOnlyDigestProvider";

/**
 * Authentication every member enforces. Clients must authenticate before any request: SASL
 * (DIGEST-MD5, verified against the JAAS file the entrypoint writes) or digest as `super`. The
 * stock digest provider accepts any user:password as an identity (it cannot check one it never
 * stored), so any client could "authenticate" with a made-up one; ours refuses every digest but
 * super's, which passes every ACL. The native Node client has no SASL, which is why digest stays
 * enabled at all. Members authenticate each other with SASL on the quorum and election ports.
 */
export const ZOO_AUTH_LINES: readonly string[] = [
  "authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
  `authProvider.digest=${SUPER_ONLY_DIGEST_PROVIDER}`,
  "enforce.auth.enabled=true",
  "enforce.auth.schemes=sasl,digest",
  "quorum.auth.enableSasl=true",
  "quorum.auth.learnerRequireSasl=true",
  "quorum.auth.serverRequireSasl=true",
  "quorum.auth.learner.loginContext=QuorumLearner",
  "quorum.auth.server.loginContext=QuorumServer",
];

/**
 * zoo.cfg for an ensemble whose member i (myid i+1) is reachable at hosts[i].
 * The entrypoint writes myid from the pod ordinal, so one file serves every pod.
 */
export function zooCfg(
  s: Pick<ZooKeeperSettings, "tickTime" | "initLimit" | "syncLimit">,
  hosts: readonly string[],
): string {
  const lines = [
    `tickTime=${s.tickTime}`,
    `initLimit=${s.initLimit}`,
    `syncLimit=${s.syncLimit}`,
    "dataDir=/data",
    `clientPort=${Port.ZooKeeperClient}`,
    // An ensemble must never silently fall back to a standalone server with its own history.
    "standaloneEnabled=false",
    "reconfigEnabled=false",
    // Pods cannot bind their own Service DNS name before it resolves; listen on all addresses instead.
    "quorumListenOnAllIPs=true",
    "4lw.commands.whitelist=srvr,mntr,ruok",
    "admin.enableServer=false",
    "maxClientCnxns=60",
    "autopurge.snapRetainCount=3",
    // Hourly: a busy ensemble writes logs fast, and a day of them can fill the volume.
    "autopurge.purgeInterval=1",
    ...ZOO_AUTH_LINES,
    ...hosts.map(
      (h, i) => `server.${i + 1}=${h}:${Port.ZooKeeperQuorum}:${Port.ZooKeeperElection};${Port.ZooKeeperClient}`,
    ),
  ];
  return lines.join("\n") + "\n";
}
