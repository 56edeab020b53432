import { EnforcementLevel, StackValidationPolicy } from "@pulumi/policy";
import { Kind, QUORUM_APPS, appOf, majority, nameOf, podLabelsOf, selects } from "../../lib/k8s";

/**
 * Every StatefulSet has a PodDisruptionBudget that selects its pods and lets at most as many go as
 * keeps quorum, but at least one (a budget of zero blocks every node drain).
 */
export const stackStatefulsetPdb = (enforcementLevel: EnforcementLevel = "mandatory"): StackValidationPolicy => ({
  name: "stack-statefulset-pdb",
  description: "Every StatefulSet has a PDB whose selector matches its pods, with a budget that keeps quorum.",
  enforcementLevel,
  validateStack: (args, report) => {
    const pdbs = args.resources.filter((r) => r.type === Kind.PodDisruptionBudget);
    for (const sts of args.resources.filter((r) => r.type === Kind.StatefulSet)) {
      const name = nameOf(sts.props, sts.name);
      const labels = podLabelsOf(sts.type, sts.props);
      const n = sts.props.spec?.replicas;
      if (!labels || typeof n !== "number") continue;
      const ns = sts.props.metadata?.namespace;
      const mine = pdbs.filter(
        (p) => p.props.metadata?.namespace === ns && selects(p.props.spec?.selector?.matchLabels, labels),
      );
      if (mine.length === 0) {
        report(
          `StatefulSet ${name} has no PodDisruptionBudget selecting its pods (${JSON.stringify(labels)}); add one with maxUnavailable: 1 so drains cannot take down a quorum.`,
          sts.urn,
        );
        continue;
      }
      const quorum = QUORUM_APPS.includes(appOf(sts.type, sts.props) ?? "");
      const tolerable = quorum && n >= 3 ? n - majority(n) : 1;
      for (const p of mine) {
        const maxU = p.props.spec?.maxUnavailable;
        const minA = p.props.spec?.minAvailable;
        const allowed = typeof maxU === "number" ? maxU : typeof minA === "number" ? n - minA : undefined;
        if (allowed === undefined) continue;
        if (allowed < 1)
          report(
            `PDB ${nameOf(p.props, p.name)} lets no pod of ${name} be evicted, which blocks every node drain; use maxUnavailable: 1.`,
            p.urn,
          );
        else if (allowed > tolerable)
          report(
            `PDB ${nameOf(p.props, p.name)} lets ${allowed} of ${n} pods of ${name} go at once; at most ${tolerable} keeps ${quorum ? "quorum" : "a master and its replica from going together"} (use maxUnavailable: ${tolerable}).`,
            p.urn,
          );
      }
    }
  },
});
