import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { WORKLOAD_KINDS, containersOf, nameOf, podSpecOf } from "../../lib/k8s";

export const workloadSecurityContext = (
  enforcementLevel: EnforcementLevel = "mandatory",
): ResourceValidationPolicy => ({
  name: "workload-security-context",
  description: "Containers run as non-root, cannot escalate privileges and drop all capabilities.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (!WORKLOAD_KINDS.includes(args.type)) return;
    const spec = podSpecOf(args.type, args.props);
    if (!spec) return;
    const name = nameOf(args.props, args.name);
    for (const c of containersOf(spec)) {
      const sc = c.securityContext ?? {};
      if (sc.runAsNonRoot !== true && spec.securityContext?.runAsNonRoot !== true)
        report(`Container ${c.name} of ${name} may run as root; set runAsNonRoot: true (and a numeric runAsUser).`);
      if (sc.allowPrivilegeEscalation !== false)
        report(`Container ${c.name} of ${name} allows privilege escalation; set allowPrivilegeEscalation: false.`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL"))
        report(`Container ${c.name} of ${name} keeps Linux capabilities; set capabilities.drop: ["ALL"].`);
    }
  },
});
