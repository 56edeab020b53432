import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { WORKLOAD_KINDS, nameOf, podSpecOf } from "../../lib/k8s";

/** Inline NFS bypasses PVs: no reclaim policy, no binding, no capacity, and the server address spreads into pods. */
export const workloadNfsInlineForbidden = (
  enforcementLevel: EnforcementLevel = "mandatory",
): ResourceValidationPolicy => ({
  name: "workload-nfs-inline-forbidden",
  description: "Pods reach NFS only through PersistentVolumeClaims, never an inline nfs volume.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (!WORKLOAD_KINDS.includes(args.type)) return;
    for (const v of podSpecOf(args.type, args.props)?.volumes ?? []) {
      if (v?.nfs)
        report(
          `${nameOf(args.props, args.name)} mounts NFS ${v.nfs.server}:${v.nfs.path} inline as volume ${v.name}; declare a PersistentVolume and claim it with a PVC instead.`,
        );
    }
  },
});
