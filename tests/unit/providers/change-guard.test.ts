// When a guarded setting may change: the refusal the preview shows, case by case.
import * as assert from "assert";
import { ChangeGuardInputs, changeRefusal } from "../../../components/providers/change-guard-logic";

const zookeeper: ChangeGuardInputs = {
  setting: "zookeeper.replicas",
  value: "5",
  ackSetting: "zookeeper.resizeFrom",
  risk: "two majorities",
  procedure: "Resizing",
  members: [],
};
const storage: ChangeGuardInputs = {
  setting: "storage",
  value: "nfs:b:/x",
  risk: "the data stays behind",
  procedure: "Moving the volumes",
  members: [],
};

describe("change guard refusals", () => {
  for (const [what, before, inputs, expected] of [
    ["a first deploy", undefined, zookeeper, undefined],
    ["an unchanged value", "5", zookeeper, undefined],
    ["a change acknowledged with the deployed value", "3", { ...zookeeper, ack: "3" }, undefined],
    [
      "an unacknowledged change",
      "3",
      zookeeper,
      'zookeeper.replicas: changing "3" to "5" on a deployed stack is refused: two majorities. Do it with the pods stopped (README, "Resizing"), then set zookeeper.resizeFrom to "3" and run up',
    ],
    [
      "a stale acknowledgement",
      "3",
      { ...zookeeper, ack: "7" },
      'zookeeper.replicas: changing "3" to "5" on a deployed stack is refused (zookeeper.resizeFrom is "7", but the deployed value is "3"): two majorities. Do it with the pods stopped (README, "Resizing"), then set zookeeper.resizeFrom to "3" and run up',
    ],
    [
      "a change no setting can acknowledge",
      "nfs:a:/x",
      { ...storage, ack: "nfs:a:/x" },
      'storage: changing "nfs:a:/x" to "nfs:b:/x" on a deployed stack is refused: the data stays behind. Follow the README, "Moving the volumes"',
    ],
  ] as const) {
    it(`${expected ? "refuses" : "lets through"} ${what}`, () =>
      assert.strictEqual(changeRefusal(before, inputs), expected));
  }
});
