import * as assert from "assert";
import { RedisSentinelHealthProvider } from "../../components/redis/sentinel/redis-sentinel-health";
import { assertSentinelHealthy } from "../../components/redis/sentinel/redis-sentinel-health-logic";
import { connectRedis } from "../../harness/redis";
import { CLIENT, RedisServer, RedisServers, waitUntil } from "../../harness/redis-servers";

describe("RedisSentinelHealthProvider (real redis-server and sentinels)", function () {
  this.timeout(120000);
  const fleet = new RedisServers();
  let master: RedisServer;
  let sentinels: string[];
  after(() => fleet.stopAll());

  before(async () => {
    [master] = await fleet.add(1, { sentinelManaged: true });
    await fleet.add(2, { sentinelManaged: true, extraConfig: [`replicaof 127.0.0.1 ${master.port}`] });
    const s = await fleet.add(3, { sentinelOf: { masterPort: master.port, masterName: "mymaster", quorum: 2 } });
    sentinels = s.map((x) => x.endpoint);
  });

  const inputs = () => ({ sentinels, masterName: "mymaster", expectedReplicas: 2, ...CLIENT });

  it("passes once the sentinels agree on the master and its two replicas, reading a write from a replica", async () => {
    const { outs } = await new RedisSentinelHealthProvider().create({ ...inputs(), retryForMs: 30000 });
    assert.deepStrictEqual(outs.report, { master: master.endpoint, replicas: 2, sentinels: 3 });
  });

  it("fails naming the gap when more replicas are expected", async () => {
    await assert.rejects(
      assertSentinelHealthy({ ...inputs(), expectedReplicas: 3 }),
      /has 2 replica\(s\) online, expected 3/,
    );
  });

  it("passes with the promoted master after the master is killed", async () => {
    const c = await connectRedis(master.port, CLIENT);
    await c.set("survives-failover", "yes");
    assert.strictEqual(await c.call("WAIT", "2", "5000"), 2);
    c.disconnect();
    await master.kill();
    // The sentinels still name the killed master (down-after has not passed): the assertion says it is unreachable.
    await assert.rejects(assertSentinelHealthy(inputs()), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(`Redis Sentinel is not healthy[\\s\\S]*cannot reach ${master.endpoint.replace(/\./g, "\\.")}`),
      );
      return true;
    });
    await waitUntil("a sentinel to promote a replica", 30000, async () => {
      const s = await connectRedis(Number(sentinels[0].split(":")[1]), CLIENT);
      const addr = (await s.call("SENTINEL", "get-master-addr-by-name", "mymaster")) as string[];
      s.disconnect();
      return addr[1] !== String(master.port);
    });
    await master.start(); // as its pod would be; the sentinels turn it into a replica
    const { outs } = await new RedisSentinelHealthProvider().create({ ...inputs(), retryForMs: 60000 });
    assert.notStrictEqual(outs.report.master, master.endpoint);
    const promoted = await connectRedis(Number(outs.report.master.split(":")[1]), CLIENT);
    assert.strictEqual(await promoted.get("survives-failover"), "yes");
    promoted.disconnect();
  });
});

describe("RedisSentinelHealthProvider: a replica the sentinels cannot reach (real redis-server and sentinels)", function () {
  this.timeout(120000);
  const fleet = new RedisServers();
  after(() => fleet.stopAll());

  it("fails naming the replica, although the master reports it online, because no failover could promote it", async () => {
    const [master] = await fleet.add(1, { sentinelManaged: true });
    await fleet.add(1, { sentinelManaged: true, extraConfig: [`replicaof 127.0.0.1 ${master.port}`] });
    // Announces an address nothing listens on, as a replica behind a NetworkPolicy that lets its
    // master in but not the sentinels: it replicates, the master lists it online, the sentinels
    // only ever see it disconnected.
    const [hidden] = await fleet.add(1, {
      sentinelManaged: true,
      extraConfig: [`replicaof 127.0.0.1 ${master.port}`, "replica-announce-ip 127.0.0.2"],
    });
    const s = await fleet.add(3, { sentinelOf: { masterPort: master.port, masterName: "mymaster", quorum: 2 } });
    const inputs = { sentinels: s.map((x) => x.endpoint), masterName: "mymaster", expectedReplicas: 2, ...CLIENT };
    await waitUntil("the master to list both replicas online", 30000, async () => {
      const c = await connectRedis(master.port, CLIENT);
      const info = String(await c.call("INFO", "replication"));
      c.disconnect();
      return (info.match(/state=online/g) ?? []).length === 2;
    });
    await assert.rejects(
      new RedisSentinelHealthProvider().create({ ...inputs, retryForMs: 8000 }),
      new RegExp(
        `sentinel 127\\.0\\.0\\.1:\\d+ could promote 1 replica\\(s\\), expected 2.*127\\.0\\.0\\.2:${hidden.port}`,
      ),
    );
  });
});
