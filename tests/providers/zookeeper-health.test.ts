import * as assert from "assert";
import { assertZooKeeperHealthy, fourLetterWord } from "../../components/providers/zookeeper-health-logic";
import { ZooKeeperHealthProvider } from "../../components/providers/zookeeper-health";
import { waitFor } from "../support/processes";
import { ZooKeeperEnsembleProcess } from "../support/zookeeper-servers";

async function leaderIndex(zk: ZooKeeperEnsembleProcess): Promise<number> {
  return waitFor("a leader", 60000, async () => {
    const modes = await Promise.all(zk.servers.map((s) => fourLetterWord(s, "srvr").then((r) => /^Mode: (\w+)/m.exec(r)?.[1]).catch(() => undefined)));
    const i = modes.indexOf("leader");
    return i >= 0 && modes.every((m) => m === "leader" || m === "follower") ? i : undefined;
  }, 250);
}

describe("ZooKeeperHealthProvider (real ZooKeeper ensemble)", function () {
  this.timeout(180000);
  const zk = new ZooKeeperEnsembleProcess(3);
  before(async () => {
    await zk.start();
    await leaderIndex(zk);
  });
  after(() => zk.stop());

  it("passes with one leader and a znode read back from every member", async () => {
    const { outs } = await new ZooKeeperHealthProvider().create({ servers: zk.servers, expectedSize: 3 });
    assert.strictEqual(outs.report.followers, 2);
    assert.ok(zk.servers.includes(outs.report.leader));
  });

  it("passes again after the leader is killed and a new one is elected", async () => {
    const old = await leaderIndex(zk);
    await zk.killMember(old);
    await assert.rejects(assertZooKeeperHealthy({ servers: zk.servers, expectedSize: 3 }), (e: Error) => {
      assert.ok(e.message.includes(`cannot reach ${zk.servers[old]}`), e.message);
      return true;
    });
    // The two survivors elect a leader first; restarted at once, the old leader (highest zxid) could win again.
    await waitFor("the survivors to elect a leader", 60000, async () => {
      const modes = await Promise.all(zk.servers.map((s, i) => (i === old ? undefined : fourLetterWord(s, "srvr").then((r) => /^Mode: (\w+)/m.exec(r)?.[1]).catch(() => undefined))));
      return modes.includes("leader") ? true : undefined;
    }, 250);
    zk.startMember(old); // as the pod would be restarted
    const { outs } = await new ZooKeeperHealthProvider().create({ servers: zk.servers, expectedSize: 3, retryForMs: 60000 });
    assert.notStrictEqual(outs.report.leader, zk.servers[old], "a different member leads now");
  });

  it("fails with a no-quorum message when two of three members are down", async () => {
    await leaderIndex(zk);
    await zk.killMember(0);
    await zk.killMember(1);
    const t0 = Date.now();
    await assert.rejects(assertZooKeeperHealthy({ servers: zk.servers, expectedSize: 3 }), (e: Error) => {
      assert.match(e.message, /no quorum: [01] of 3 members serve requests, a majority of 2 is needed/);
      return true;
    });
    assert.ok(Date.now() - t0 < 15000);
  });
});
