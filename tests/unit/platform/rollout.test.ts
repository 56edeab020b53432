import * as assert from "assert";
import { StatefulSetObject, rolloutPending } from "../../../components/platform/rollout-logic";

const sts = (status: StatefulSetObject["status"], generation = 2, replicas = 3): StatefulSetObject => ({
  metadata: { name: "redis-cluster", generation },
  spec: { replicas, updateStrategy: { type: "RollingUpdate" } },
  status,
});
const done = {
  observedGeneration: 2,
  replicas: 3,
  readyReplicas: 3,
  updatedReplicas: 3,
  currentRevision: "b",
  updateRevision: "b",
};

describe("StatefulSet rollout (what init and the assertions wait for)", () => {
  it("is complete when the controller saw the latest spec and every pod runs it and is Ready", () => {
    assert.strictEqual(rolloutPending(sts(done)), undefined);
  });

  it("is not complete right after an update, while the status still describes the previous spec", () => {
    // What the kubernetes provider 4.25 takes for done: all Ready, revisions equal, but of generation 1.
    const stale = { ...done, observedGeneration: 1, currentRevision: "a", updateRevision: "a" };
    assert.match(rolloutPending(sts(stale))!, /has not yet seen generation 2 \(status is of 1\)/);
    assert.match(rolloutPending(sts(done), 3)!, /has not yet seen generation 3/, "the applied generation counts too");
  });

  it("names how far the roll got, and pods that are not Ready", () => {
    const rolling = { ...done, updatedReplicas: 1, currentRevision: "a", updateRevision: "b" };
    assert.strictEqual(rolloutPending(sts(rolling)), "1/3 pods on revision b (still rolling from a)");
    assert.strictEqual(rolloutPending(sts({ ...done, readyReplicas: 2 })), "2/3 pods Ready (3 exist)");
  });

  it("with OnDelete, waits for Ready pods only: the revision changes when someone deletes them", () => {
    const s = {
      ...sts({ ...done, currentRevision: "a" }),
      spec: { replicas: 3, updateStrategy: { type: "OnDelete" } },
    };
    assert.strictEqual(rolloutPending(s), undefined);
  });
});
