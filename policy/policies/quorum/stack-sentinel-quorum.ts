import { EnforcementLevel, StackValidationPolicy } from "@pulumi/policy";
import { Kind, appOf, majority, nameOf, Props } from "../../lib/k8s";

/** Sentinels are odd and >= 3, and their quorum is a majority of them but not more than all. */
export const stackSentinelQuorum = (enforcementLevel: EnforcementLevel = "mandatory"): StackValidationPolicy => ({
  name: "stack-sentinel-quorum",
  description: "Redis Sentinel runs an odd number >= 3 of sentinels with sentinels/2 < quorum <= sentinels.",
  enforcementLevel,
  validateStack: (args, report) => {
    for (const sts of args.resources.filter(
      (r) => r.type === Kind.StatefulSet && appOf(r.type, r.props) === "redis-sentinel",
    )) {
      const name = nameOf(sts.props, sts.name);
      const n = sts.props.spec?.replicas;
      if (typeof n !== "number") continue;
      if (n < 3 || n % 2 === 0)
        report(
          `Sentinel StatefulSet ${name} has ${n} sentinels; use an odd number >= 3 (set redisSentinel.sentinels).`,
          sts.urn,
        );
      const cmName = (sts.props.spec?.template?.spec?.volumes ?? []).find((v: Props) => v?.configMap)?.configMap?.name;
      const cm = args.resources.find((r) => r.type === Kind.ConfigMap && r.props.metadata?.name === cmName);
      const text: string | undefined = cm?.props.data?.["sentinel.conf"];
      const m = text ? /^sentinel monitor \S+ \S+ \d+ (\d+)$/m.exec(text) : null;
      if (!m) continue;
      const quorum = Number(m[1]);
      if (quorum < majority(n) || quorum > n) {
        report(
          `Sentinel ${name} has quorum ${quorum} for ${n} sentinels; it must be between ${majority(n)} and ${n} (set redisSentinel.quorum), or a minority could fail over or no failover could ever happen.`,
          sts.urn,
        );
      }
    }
  },
});
