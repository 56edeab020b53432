// Which nodes can take pods that `required` anti-affinity keeps apart, and the refusal when there
// are fewer of them than a StatefulSet has pods.
import * as assert from "assert";
import { NodeObject, nodeShortage, whyUnschedulable } from "../../../components/stack/node-capacity-logic";

const node = (
  name: string,
  extra: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[]; ready?: boolean } = {},
): NodeObject => ({
  metadata: { name },
  spec: { unschedulable: extra.unschedulable, taints: extra.taints },
  status: { conditions: [{ type: "Ready", status: extra.ready === false ? "False" : "True" }] },
});

describe("node capacity for required anti-affinity", () => {
  for (const [what, n, expected] of [
    ["a Ready node", node("a"), undefined],
    ["a cordoned node", node("a", { unschedulable: true }), "cordoned"],
    ["a node that is not Ready", node("a", { ready: false }), "not Ready"],
    ["a node without conditions", { metadata: { name: "a" } }, "not Ready"],
    [
      "a NoSchedule taint",
      node("a", { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] }),
      "taint dedicated=db:NoSchedule",
    ],
    [
      "a NoExecute taint",
      node("a", { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }] }),
      "taint node.kubernetes.io/unreachable:NoExecute",
    ],
    [
      "a PreferNoSchedule taint (pods may still land there)",
      node("a", { taints: [{ key: "spot", effect: "PreferNoSchedule" }] }),
      undefined,
    ],
  ] as const) {
    it(`${expected ? "does not count" : "counts"} ${what}`, () =>
      assert.strictEqual(whyUnschedulable(n as NodeObject), expected));
  }

  it("lets through a cluster with a node for every pod of the largest StatefulSet", () => {
    const six = ["a", "b", "c", "d", "e", "f"].map((n) => node(n));
    assert.strictEqual(nodeShortage({ zookeeper: 3, "redis-cluster": 6 }, six), undefined);
    assert.strictEqual(nodeShortage({}, []), undefined, "preferred spreads nothing");
  });

  it("names the usable nodes, the ones left out and why, each StatefulSet short of nodes, and the fix", () => {
    const nodes = [
      node("a"),
      node("b"),
      node("c"),
      node("d", { unschedulable: true }),
      node("e", { taints: [{ key: "gpu", effect: "NoSchedule" }] }),
    ];
    assert.strictEqual(
      nodeShortage({ zookeeper: 3, redis: 1, "redis-cluster": 6, "redis-sentinel-data": 4 }, nodes),
      'scheduling.antiAffinity is "required" (one pod of a StatefulSet per node), but only 3 nodes can take the pods (a, b, c); ' +
        "not counted: d (cordoned), e (taint gpu:NoSchedule): redis-cluster needs 6, redis-sentinel-data needs 4. The pods beyond that would stay Pending. " +
        'Add schedulable nodes, or set scheduling.antiAffinity to "preferred" (members may then share a node, and losing that node loses them together)',
    );
  });
});
