import * as assert from "assert";
import { UpEvent, UpProgress } from "../../../../scripts/pipeline/up-progress";

const STACK = "urn:pulumi:local::stateful-middleware::pulumi:pulumi:Stack::stateful-middleware-local";
const urn = (type: string, name: string) => `urn:pulumi:local::stateful-middleware::${type}::${name}`;
const STS = "kubernetes:apps/v1:StatefulSet";
const custom = { custom: true };
const pre = (op: string, type: string, name: string, t: number, c = custom): UpEvent => ({
  timestamp: t,
  resourcePreEvent: { metadata: { op, type, urn: urn(type, name), new: c } },
});
const outputs = (op: string, type: string, name: string, t: number, c = custom): UpEvent => ({
  timestamp: t,
  resOutputsEvent: { metadata: { op, type, urn: urn(type, name), new: c } },
});
const feed = (view: UpProgress, events: readonly UpEvent[]) => events.flatMap((e) => view.handle(e));

describe("compact view of pulumi up (scripts/up-progress)", () => {
  it("says one line per finished step with a running count, the kind, the name and how long it took", () => {
    const lines = feed(new UpProgress(), [
      { timestamp: 1, resourcePreEvent: { metadata: { op: "create", type: "pulumi:pulumi:Stack", urn: STACK } } },
      pre("create", "middleware:redis:RedisCluster", "redis-cluster", 1, { custom: false }),
      pre("create", "kubernetes:core/v1:Namespace", "ns", 1),
      outputs("create", "kubernetes:core/v1:Namespace", "ns", 2),
      pre("create", STS, "zookeeper", 2),
      pre("create", "pulumi-nodejs:dynamic:Resource", "zookeeper-health", 3),
      outputs("create", STS, "zookeeper", 40),
      outputs("create", "pulumi-nodejs:dynamic:Resource", "zookeeper-health", 41),
      outputs("create", "middleware:redis:RedisCluster", "redis-cluster", 41, { custom: false }),
    ]);
    assert.deepStrictEqual(lines, [
      "[1/1] created Namespace ns (1.0s)",
      "[2/3] created StatefulSet zookeeper (38.0s)",
      "[3/3] created dynamic zookeeper-health (38.0s)",
    ]);
  });

  it("counts up to the steps up's own preview planned, and says the plan", () => {
    const planning = (op: string, name: string): UpEvent => ({
      resourcePreEvent: { metadata: { op, type: STS, urn: urn(STS, name), new: custom }, planning: true },
    });
    const lines = feed(new UpProgress(), [
      planning("update", "redis"),
      planning("same", "zookeeper"),
      planning("update", "redis-cluster"),
      { summaryEvent: { isPreview: true, resourceChanges: { update: 2, same: 1 } } },
      pre("update", STS, "redis", 10),
      outputs("update", STS, "redis", 30),
    ]);
    assert.deepStrictEqual(lines, ["Plan: 2 to update, 1 unchanged", "[1/2] updated StatefulSet redis (20.0s)"]);
  });

  it("lists only the resources that change, unless verbose", () => {
    const events = [
      pre("same", STS, "zookeeper", 1),
      outputs("same", STS, "zookeeper", 1),
      pre("update", STS, "redis", 1),
      outputs("update", STS, "redis", 20),
    ];
    assert.deepStrictEqual(feed(new UpProgress(), events), ["[1/1] updated StatefulSet redis (19.0s)"]);
    assert.deepStrictEqual(feed(new UpProgress({ verbose: true }), events), [
      "[1/1] unchanged StatefulSet zookeeper (0.0s)",
      "[2/2] updated StatefulSet redis (19.0s)",
    ]);
  });

  it("names a failed step and the error the engine gives for it, and counts it in the totals", () => {
    const view = new UpProgress();
    const lines = feed(view, [
      pre("create", STS, "redis-cluster", 1),
      {
        diagnosticEvent: {
          urn: urn(STS, "redis-cluster"),
          severity: "error",
          message: "resource redis-cluster was not successfully created: 0/6 replicas ready\n",
        },
      },
      { timestamp: 601, resOpFailedEvent: { metadata: { op: "create", type: STS, urn: urn(STS, "redis-cluster") } } },
      { summaryEvent: { durationSeconds: 602, resourceChanges: { create: 3, same: 0 } } },
    ]);
    assert.deepStrictEqual(lines, [
      "error (redis-cluster): resource redis-cluster was not successfully created: 0/6 replicas ready",
      "[0/1] FAILED to create StatefulSet redis-cluster (600.0s)",
      "Resources: 3 created, 1 failed in 602s",
    ]);
  });

  it("shows policy violations and what the program says, and drops ephemeral and debug noise", () => {
    const lines = feed(new UpProgress(), [
      {
        policyEvent: {
          resourceUrn: urn("kubernetes:core/v1:PersistentVolume", "zookeeper-pv-0"),
          policyName: "persistentvolume-reclaim-retain",
          enforcementLevel: "mandatory",
          message: "has reclaim policy Delete; use Retain",
        },
      },
      {
        diagnosticEvent: { urn: urn("pulumi-nodejs:dynamic:Resource", "zk"), severity: "info", message: "ok quorum\n" },
      },
      { diagnosticEvent: { severity: "info", message: "1/3 pods ready", ephemeral: true } },
      { diagnosticEvent: { severity: "debug", message: "grpc" } },
    ]);
    assert.deepStrictEqual(lines, [
      "policy MANDATORY persistentvolume-reclaim-retain on zookeeper-pv-0: has reclaim policy Delete; use Retain",
      "  zk: ok quorum",
    ]);
  });

  it("says each policy result once, and not the preview's can't-judge-an-unknown-value notices", () => {
    const advisory = {
      resourceUrn: urn(STS, "zookeeper"),
      policyName: "statefulset-anti-affinity-required",
      enforcementLevel: "advisory",
      message: "Multi-replica StatefulSets spread their pods.\nStatefulSet zookeeper only prefers to spread.\n",
    };
    const lines = feed(new UpProgress(), [
      {
        policyEvent: {
          ...advisory,
          policyName: "workload-image-pinned",
          message:
            "can't run policy 'workload-image-pinned' from policy pack 'middleware@v0.1.0' during preview: string value at .spec can't be known during preview",
        },
      },
      { policyEvent: advisory },
      { policyEvent: advisory },
    ]);
    assert.deepStrictEqual(lines, [
      "policy advisory statefulset-anti-affinity-required on zookeeper: Multi-replica StatefulSets spread their pods. StatefulSet zookeeper only prefers to spread.",
    ]);
  });

  it("names the steps still running, longest first, for the heartbeat", () => {
    const view = new UpProgress();
    feed(view, [pre("create", STS, "a", 10), pre("create", STS, "b", 5), outputs("create", STS, "a", 12)]);
    assert.deepStrictEqual(view.running(35_000), ["b (30.0s)"]);
  });

  it("says so when nothing changed", () => {
    assert.deepStrictEqual(
      feed(new UpProgress(), [{ summaryEvent: { durationSeconds: 9, resourceChanges: { same: 97 } } }]),
      ["Resources: 97 unchanged in 9s"],
    );
  });
});
