import * as assert from "assert";
import { workloadLabels } from "../../../components/platform/labels";
import { antiAffinity } from "../../../components/workload/stateful-set";

describe("workload labels", () => {
  const labels = workloadLabels("redis-cluster", "redis-cluster", "dev");

  it("keeps the selector a subset of the pod labels", () => {
    for (const [k, v] of Object.entries(labels.selector)) assert.strictEqual(labels.pod[k], v, k);
    assert.strictEqual(labels.pod["middleware/stack"], "dev");
  });

  it("spreads pods by the selector, strictly or by preference", () => {
    // Plain values, not Inputs: the builder returns no Output or Promise.
    const required = antiAffinity(labels, "required").podAntiAffinity as Record<string, unknown>;
    const preferred = antiAffinity(labels, "preferred").podAntiAffinity as Record<string, unknown>;
    const term = { labelSelector: { matchLabels: { ...labels.selector } }, topologyKey: "kubernetes.io/hostname" };
    assert.deepStrictEqual(required.requiredDuringSchedulingIgnoredDuringExecution, [term]);
    assert.strictEqual(required.preferredDuringSchedulingIgnoredDuringExecution, undefined);
    assert.deepStrictEqual(preferred.preferredDuringSchedulingIgnoredDuringExecution, [
      { weight: 100, podAffinityTerm: term },
    ]);
  });
});
