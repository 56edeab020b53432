// The pure Redis Cluster arithmetic, table by table: the cluster init and the ownership check both
// rest on it, so a change here changes which clusters the stack forms and which it refuses.
import * as assert from "assert";
import {
  SLOTS,
  evenSlotRanges,
  formationPlan,
  keySlot,
  rebalanceMoves,
  toRanges,
} from "../../../../components/redis/cluster/slot-plan";

describe("slot plan", () => {
  for (const [masters, expected] of [
    [
      3,
      [
        [0, 5461],
        [5462, 10922],
        [10923, 16383],
      ],
    ],
    [
      4,
      [
        [0, 4095],
        [4096, 8191],
        [8192, 12287],
        [12288, 16383],
      ],
    ],
  ] as const) {
    it(`splits the slots evenly over ${masters} masters`, () =>
      assert.deepStrictEqual(evenSlotRanges(masters), expected));
  }

  for (const [nodes, replicas, expected] of [
    [3, 0, [[0], [1], [2]]],
    [
      6,
      1,
      [
        [0, 5],
        [1, 3],
        [2, 4],
      ],
    ],
    [
      9,
      2,
      [
        [0, 5, 8],
        [1, 3, 6],
        [2, 4, 7],
      ],
    ],
  ] as const) {
    it(`forms ${nodes} nodes with ${replicas} replica(s) per master into shards ${JSON.stringify(expected)}`, () => {
      const plan = formationPlan(nodes, replicas);
      assert.deepStrictEqual(
        plan.map((s) => s.members),
        expected,
      );
      assert.deepStrictEqual(
        plan.map((s) => s.range),
        evenSlotRanges(nodes / (1 + replicas)),
      );
    });
  }

  for (const [key, slot] of [
    ["foo", 12182],
    ["123456789", 12739],
  ] as const) {
    it(`puts ${key} in slot ${slot}`, () => assert.strictEqual(keySlot(key), slot));
  }

  it("honours only the first non-empty hash tag", () => {
    assert.strictEqual(keySlot("{user1000}.following"), keySlot("{user1000}.followers"));
    assert.strictEqual(keySlot("{a}{b}"), keySlot("a"));
    assert.notStrictEqual(keySlot("{}a"), keySlot("a"));
  });

  it("collapses slots into ranges", () =>
    assert.deepStrictEqual(toRanges([7, 1, 3, 2]), [
      [1, 3],
      [7, 7],
    ]));

  it("rebalances 3 even masters onto a fourth, moving a quarter of the slots and nothing more", () => {
    const owned = new Map(
      evenSlotRanges(3).map(([a, b], i) => [`m${i}`, Array.from({ length: b - a + 1 }, (_, k) => a + k)]),
    );
    owned.set("m3", []);
    const moves = rebalanceMoves(owned);
    assert.strictEqual(moves.length, SLOTS / 4);
    assert.ok(moves.every((m) => m.to === "m3"));
    const after = new Map([...owned].map(([id, slots]) => [id, slots.length]));
    for (const m of moves) {
      after.set(m.from, after.get(m.from)! - 1);
      after.set(m.to, after.get(m.to)! + 1);
    }
    assert.deepStrictEqual([...after.values()], [4096, 4096, 4096, 4096]);
  });
});
