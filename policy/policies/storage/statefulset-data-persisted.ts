import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, containersOf, nameOf, Props } from "../../lib/k8s";

export const statefulsetDataPersisted = (
  enforcementLevel: EnforcementLevel = "mandatory",
): ResourceValidationPolicy => ({
  name: "statefulset-data-persisted",
  description: "Every StatefulSet keeps its data directory on a claim from its volumeClaimTemplates.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.StatefulSet || args.props.spec === undefined) return;
    const name = nameOf(args.props, args.name);
    const templates: string[] = (args.props.spec.volumeClaimTemplates ?? [])
      .map((t: Props) => t?.metadata?.name)
      .filter(Boolean);
    if (templates.length === 0) {
      report(
        `StatefulSet ${name} has no volumeClaimTemplates; its data would be lost with its pods. Add one and mount it at the data directory.`,
      );
      return;
    }
    const mounted = containersOf(args.props.spec.template?.spec).flatMap((c) =>
      (c.volumeMounts ?? []).map((m: Props) => m?.name),
    );
    for (const t of templates)
      if (!mounted.includes(t))
        report(`StatefulSet ${name} claims volume ${t} but no container mounts it; mount it at the data directory.`);
  },
});
