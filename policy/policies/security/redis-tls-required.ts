import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, nameOf } from "../../lib/k8s";

/** The value a redis.conf / sentinel.conf directive last takes (later lines win, as in Redis). */
function directive(conf: string, name: string): string | undefined {
  const lines = conf.split("\n").filter((l) => l.trim().split(/\s+/)[0] === name);
  return lines.length ? lines[lines.length - 1].trim().split(/\s+/).slice(1).join(" ") : undefined;
}

/**
 * Redis speaks TLS with mutual authentication on every channel (docs/configuration.md, "TLS"): without it the
 * cluster bus, which has no password, lets any pod that reaches it join the cluster and take a
 * master over, and a replication link is one password away from a copy of the data.
 */
export const redisTlsRequired = (enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy => ({
  name: "redis-tls-required",
  description:
    "Every redis.conf and sentinel.conf speaks TLS with client certificates required, on replication and the cluster bus too.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.ConfigMap) return;
    const data = (args.props?.data ?? {}) as Record<string, unknown>;
    for (const file of ["redis.conf", "sentinel.conf"]) {
      const conf = data[file];
      if (typeof conf !== "string") continue;
      const where = `${file} of ConfigMap ${nameOf(args.props, args.name)}`;
      const missing: string[] = [];
      if (!directive(conf, "tls-port") || directive(conf, "tls-port") === "0") missing.push("tls-port <port>");
      // Redis's default is yes; "no" or "optional" lets a client without a certificate in.
      const auth = directive(conf, "tls-auth-clients");
      if (auth !== undefined && auth !== "yes") missing.push("tls-auth-clients yes");
      if (directive(conf, "tls-replication") !== "yes") missing.push("tls-replication yes");
      if (directive(conf, "cluster-enabled") === "yes" && directive(conf, "tls-cluster") !== "yes")
        missing.push("tls-cluster yes");
      if (missing.length)
        report(
          `${where} lacks ${missing.join(", ")}: a peer or client without a certificate of the workload's authority could connect. Build it with the program's redis-conf builder and tls settings (docs/configuration.md, "TLS").`,
        );
    }
  },
});
