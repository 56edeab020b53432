import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, nameOf } from "../../lib/k8s";

/** The value a zoo.cfg key last takes (a Java properties file: the last line wins). */
function property(cfg: string, key: string): string | undefined {
  const values = cfg
    .split("\n")
    .map((l) => /^\s*([^=#\s]+)\s*=\s*(.*?)\s*$/.exec(l))
    .flatMap((m) => (m && m[1] === key ? [m[2]] : []));
  return values.length ? values[values.length - 1] : undefined;
}

/**
 * ZooKeeper speaks TLS with mutual authentication on the client port and the quorum (docs/configuration.md,
 * "TLS"): without it the quorum password is all a would-be member needs to join and be sent the
 * data, and every session travels in clear.
 */
export const zookeeperTlsRequired = (enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy => ({
  name: "zookeeper-tls-required",
  description: "Every zoo.cfg speaks TLS with client certificates required, on the client port and the quorum.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.ConfigMap) return;
    const cfg = (args.props?.data ?? {})["zoo.cfg"];
    if (typeof cfg !== "string") return;
    const missing: string[] = [];
    if (!property(cfg, "secureClientPort")) missing.push("secureClientPort=<port>");
    // Only the Netty connection factory serves the secure port.
    if (property(cfg, "serverCnxnFactory") !== "org.apache.zookeeper.server.NettyServerCnxnFactory")
      missing.push("serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory");
    if (property(cfg, "sslQuorum") !== "true") missing.push("sslQuorum=true");
    // ZooKeeper's default is need; "want" or "none" lets a client or peer without a certificate in.
    for (const key of ["ssl.clientAuth", "ssl.quorum.clientAuth"]) {
      const value = property(cfg, key);
      if (value !== undefined && value.toLowerCase() !== "need") missing.push(`${key}=need`);
    }
    if (missing.length)
      report(
        `zoo.cfg of ConfigMap ${nameOf(args.props, args.name)} lacks ${missing.join(", ")}: a client or would-be member without a certificate of the ensemble's authority could connect. Build it with the program's zooCfg builder and tls settings (docs/configuration.md, "TLS").`,
      );
  },
});
