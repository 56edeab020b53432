import { ZooKeeperSettings } from "../config/settings";
import { Port } from "../platform/ports";

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

export interface ZooKeeperTls {
  /** Keep a plain-text client port (Port.ZooKeeperPlain) beside the TLS one. */
  readonly plaintextPort: boolean;
}

/**
 * TLS with a certificate demanded of every client (ssl.clientAuth) on the client port, and between
 * the members on the quorum and election ports (sslQuorum). The key and trust stores are not named
 * here: images/zookeeper/zk-entrypoint builds them from the mounted <workload>-tls Secret and adds
 * their lines, so the paths stay the image's business. Names are not checked (members and clients
 * are reached at addresses); the chain must lead to the workload's own authority.
 */
export function zooTlsLines(
  tls: ZooKeeperTls,
  ports: { tls: number; plain: number } = { tls: Port.ZooKeeperClient, plain: Port.ZooKeeperPlain },
): string[] {
  return [
    // Only the Netty connection factory speaks TLS.
    "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
    `secureClientPort=${ports.tls}`,
    ...(tls.plaintextPort ? [`clientPort=${ports.plain}`] : []),
    "ssl.clientAuth=need",
    "ssl.hostnameVerification=false",
    "sslQuorum=true",
    "ssl.quorum.clientAuth=need",
    "ssl.quorum.hostnameVerification=false",
  ];
}

/**
 * ZooKeeper's own Prometheus metrics provider (its jars are in the image, images/zookeeper/metrics),
 * serving /metrics on Port.ZooKeeperMetrics: no secret in it, and the NetworkPolicy admits the
 * scrape namespace alone. The JVM's own series too (heap, GC, threads).
 */
export const ZOO_METRICS_LINES = [
  "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
  "metricsProvider.httpHost=0.0.0.0",
  `metricsProvider.httpPort=${Port.ZooKeeperMetrics}`,
  "metricsProvider.exportJvmInfo=true",
];

/**
 * zoo.cfg for an ensemble whose member i (myid i+1) is reachable at hosts[i].
 * The entrypoint writes myid from the pod ordinal, so one file serves every pod.
 */
export function zooCfg(
  s: Pick<ZooKeeperSettings, "tickTime" | "initLimit" | "syncLimit">,
  hosts: readonly string[],
  tls?: ZooKeeperTls,
  metrics = false,
): string {
  const lines = [
    `tickTime=${s.tickTime}`,
    `initLimit=${s.initLimit}`,
    `syncLimit=${s.syncLimit}`,
    "dataDir=/data",
    ...(tls ? zooTlsLines(tls) : [`clientPort=${Port.ZooKeeperClient}`]),
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
    ...(metrics ? ZOO_METRICS_LINES : []),
    // The ";clientPort" suffix would open a plain-text client port; with TLS the ports are above.
    ...hosts.map(
      (h, i) =>
        `server.${i + 1}=${h}:${Port.ZooKeeperQuorum}:${Port.ZooKeeperElection}${tls ? "" : `;${Port.ZooKeeperClient}`}`,
    ),
  ];
  return lines.join("\n") + "\n";
}
