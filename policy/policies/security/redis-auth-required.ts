import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, REDIS_APPS, appOf, containersOf, nameOf, podSpecOf, Props } from "../../lib/k8s";

/** Redis without auth answers anyone who reaches the port; ours take passwords from a mounted Secret. */
export const redisAuthRequired = (enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy => ({
  name: "redis-auth-required",
  description: "Every Redis and Sentinel pod mounts its auth Secret.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.StatefulSet || !REDIS_APPS.includes(appOf(args.type, args.props) ?? "")) return;
    const spec = podSpecOf(args.type, args.props);
    if (!spec) return;
    const secretVolumes = (spec.volumes ?? []).filter((v: Props) => v?.secret).map((v: Props) => v.name);
    const mounted = containersOf(spec).some((c) =>
      (c.volumeMounts ?? []).some((m: Props) => secretVolumes.includes(m?.name)),
    );
    if (!mounted)
      report(
        `Redis StatefulSet ${nameOf(args.props, args.name)} mounts no auth Secret, so it would run without a password; mount the workload's auth Secret at /etc/auth.`,
      );
  },
});
