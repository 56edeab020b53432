import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, nameOf } from "../../lib/k8s";

export const persistentvolumeReclaimRetain = (
  enforcementLevel: EnforcementLevel = "mandatory",
): ResourceValidationPolicy => ({
  name: "persistentvolume-reclaim-retain",
  description: "PersistentVolumes keep their data when released.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.PersistentVolume) return;
    const policy = args.props.spec?.persistentVolumeReclaimPolicy;
    if (policy !== undefined && policy !== "Retain") {
      report(
        `PersistentVolume ${nameOf(args.props, args.name)} has reclaim policy ${policy}; use Retain (storage.reclaimPolicy) so deleting a claim or the stack never deletes data.`,
      );
    }
  },
});
