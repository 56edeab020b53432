import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, nameOf } from "../../lib/k8s";

/** Advisory: preferred anti-affinity lets the scheduler stack members of one quorum on one node. */
export const statefulsetAntiAffinityRequired = (
  enforcementLevel: EnforcementLevel = "advisory",
): ResourceValidationPolicy => ({
  name: "statefulset-anti-affinity-required",
  description: "Multi-replica StatefulSets spread their pods over nodes with required anti-affinity.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.StatefulSet || !((args.props.spec?.replicas ?? 0) > 1)) return;
    const aa = args.props.spec?.template?.spec?.affinity?.podAntiAffinity;
    if (!aa?.requiredDuringSchedulingIgnoredDuringExecution?.length) {
      report(
        `StatefulSet ${nameOf(args.props, args.name)} only prefers to spread its pods; one node failure can take several members. Use scheduling.antiAffinity: required where the cluster has enough nodes.`,
      );
    }
  },
});
