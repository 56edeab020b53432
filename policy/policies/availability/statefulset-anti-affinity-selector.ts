import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, nameOf, podLabelsOf, selects, Props } from "../../lib/k8s";

/** An anti-affinity term whose selector misses the pods' own labels spreads nothing. */
export const statefulsetAntiAffinitySelector = (
  enforcementLevel: EnforcementLevel = "mandatory",
): ResourceValidationPolicy => ({
  name: "statefulset-anti-affinity-selector",
  description: "Pod anti-affinity selectors of a StatefulSet match its own pod labels.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.StatefulSet) return;
    const labels = podLabelsOf(args.type, args.props);
    const aa = args.props.spec?.template?.spec?.affinity?.podAntiAffinity;
    const terms = [
      ...(aa?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      ...(aa?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w: Props) => w?.podAffinityTerm),
    ];
    for (const t of terms) {
      if (selects(t?.labelSelector?.matchLabels, labels) === false) {
        report(
          `StatefulSet ${nameOf(args.props, args.name)} has an anti-affinity term selecting ${JSON.stringify(t.labelSelector.matchLabels)}, which its pods (${JSON.stringify(labels)}) do not carry; derive the selector from the pod labels.`,
        );
      }
    }
  },
});
