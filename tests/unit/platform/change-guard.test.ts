// When a guarded setting may change: the refusal the preview shows, case by case.
import * as assert from "assert";
import { ChangeGuardInputs, changeRefusal } from "../../../components/platform/change-guard-logic";

const zookeeper: ChangeGuardInputs = {
  setting: "zookeeper.replicas",
  value: "5",
  ackSetting: "zookeeper.resizeFrom",
  risk: "two majorities",
  procedure: 'docs/runbooks.md, "Resizing"',
  members: [],
};
const storage: ChangeGuardInputs = {
  setting: "storage",
  value: "nfs:b:/x",
  risk: "the data stays behind",
  procedure: 'docs/runbooks.md, "Moving the volumes"',
  members: [],
};

const clusterShape: ChangeGuardInputs = {
  setting: "redisCluster.masters / redisCluster.replicasPerMaster",
  value: "masters=3,replicasPerMaster=1",
  growthAllowed: true,
  risk: "the highest pods stop at once",
  procedure: 'docs/runbooks.md, "Scaling the Redis Cluster"',
  members: [],
};
const shape = (masters: number, replicas: number) => `masters=${masters},replicasPerMaster=${replicas}`;
const shrink = (before: string) =>
  `redisCluster.masters / redisCluster.replicasPerMaster: changing "${before}" to "${shape(3, 1)}" on a deployed stack is refused: the highest pods stop at once. Follow docs/runbooks.md, "Scaling the Redis Cluster"`;

describe("change guard refusals", () => {
  for (const [what, before, inputs, expected] of [
    ["a first deploy", undefined, zookeeper, undefined],
    ["an unchanged value", "5", zookeeper, undefined],
    ["a change acknowledged with the deployed value", "3", { ...zookeeper, ack: "3" }, undefined],
    [
      "an unacknowledged change",
      "3",
      zookeeper,
      'zookeeper.replicas: changing "3" to "5" on a deployed stack is refused: two majorities. Do it with the pods stopped (docs/runbooks.md, "Resizing"), then set zookeeper.resizeFrom to "3" and run up',
    ],
    [
      "a stale acknowledgement",
      "3",
      { ...zookeeper, ack: "7" },
      'zookeeper.replicas: changing "3" to "5" on a deployed stack is refused (zookeeper.resizeFrom is "7", but the deployed value is "3"): two majorities. Do it with the pods stopped (docs/runbooks.md, "Resizing"), then set zookeeper.resizeFrom to "3" and run up',
    ],
    [
      "a change no setting can acknowledge",
      "nfs:a:/x",
      { ...storage, ack: "nfs:a:/x" },
      'storage: changing "nfs:a:/x" to "nfs:b:/x" on a deployed stack is refused: the data stays behind. Follow docs/runbooks.md, "Moving the volumes"',
    ],
    ["a cluster growing by a master", shape(2, 1), clusterShape, undefined],
    ["a cluster growing by a replica per master", shape(3, 0), clusterShape, undefined],
    ["a cluster losing a master (4 -> 3)", shape(4, 1), clusterShape, shrink(shape(4, 1))],
    ["a cluster losing a replica per master", shape(3, 2), clusterShape, shrink(shape(3, 2))],
    ["a cluster trading a replica per master for a master", shape(2, 2), clusterShape, shrink(shape(2, 2))],
    [
      "growth of a count that may not grow",
      "3",
      { ...zookeeper, growthAllowed: false },
      'zookeeper.replicas: changing "3" to "5" on a deployed stack is refused: two majorities. Do it with the pods stopped (docs/runbooks.md, "Resizing"), then set zookeeper.resizeFrom to "3" and run up',
    ],
  ] as const) {
    it(`${expected ? "refuses" : "lets through"} ${what}`, () =>
      assert.strictEqual(changeRefusal(before, inputs), expected));
  }
});
