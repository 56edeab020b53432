import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { WORKLOAD_KINDS, containersOf, nameOf, podSpecOf } from "../../lib/k8s";

export const workloadResourceLimits = (enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy => ({
  name: "workload-resource-limits",
  description: "Every container declares CPU and memory limits.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (!WORKLOAD_KINDS.includes(args.type)) return;
    for (const c of containersOf(podSpecOf(args.type, args.props))) {
      const limits = c.resources?.limits ?? {};
      if (!limits.cpu || !limits.memory)
        report(
          `Container ${c.name} of ${nameOf(args.props, args.name)} has no ${!limits.cpu ? "CPU" : "memory"} limit; set resources.limits so one pod cannot starve its node.`,
        );
    }
  },
});
