import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, nameOf } from "../../lib/k8s";

/** Advisory: a soft NFS mount returns I/O errors on a server hiccup, which a database turns into corruption. */
export const persistentvolumeNfsHardMount = (
  enforcementLevel: EnforcementLevel = "advisory",
): ResourceValidationPolicy => ({
  name: "persistentvolume-nfs-hard-mount",
  description: "NFS PersistentVolumes mount with the hard option.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.PersistentVolume || !args.props.spec?.nfs) return;
    const opts: string[] = args.props.spec.mountOptions ?? [];
    if (!opts.includes("hard"))
      report(
        `NFS PersistentVolume ${nameOf(args.props, args.name)} does not mount with "hard"; add it to mountOptions so a server hiccup stalls writes instead of failing them.`,
      );
  },
});
