import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, nameOf } from "../../lib/k8s";

/** Settings without which a ZooKeeper member serves unauthenticated clients or unauthenticated peers. */
const REQUIRED = [
  "enforce.auth.enabled=true",
  "quorum.auth.enableSasl=true",
  "quorum.auth.learnerRequireSasl=true",
  "quorum.auth.serverRequireSasl=true",
];

/** ZooKeeper without these answers anyone who reaches the port, and lets any host that can dial the quorum port join. */
export const zookeeperAuthRequired = (enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy => ({
  name: "zookeeper-auth-required",
  description: "Every zoo.cfg makes clients authenticate and members authenticate each other (SASL).",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.ConfigMap) return;
    const cfg = args.props.data?.["zoo.cfg"];
    if (typeof cfg !== "string") return;
    const lines = new Set(cfg.split("\n").map((l) => l.replace(/\s+/g, "")));
    const missing = REQUIRED.filter((r) => !lines.has(r));
    if (missing.length)
      report(
        `ConfigMap ${nameOf(args.props, args.name)}'s zoo.cfg lacks ${missing.join(", ")}; without them ZooKeeper admits unauthenticated clients or peers.`,
      );
  },
});
