// Redis Sentinel and its data nodes as the product configures them with TLS (components/specs/
// redis-conf.ts), on real processes: the health assertion passes over TLS, a failover works over
// TLS links, and a sentinel without a certificate of the workload's authority never reaches the
// master, so it can neither vote nor be counted.
import * as assert from "assert";
import { RedisSentinelHealthProvider } from "../../components/redis/sentinel/redis-sentinel-health";

import { RedisConfArgs, RedisMode } from "../../components/redis/redis-conf";
import { connectRedis } from "../../harness/redis";
import { CLIENT, CLIENT_PASSWORD, RedisServer, RedisServers, waitUntil } from "../../harness/redis-servers";
import { TestAuthority, TlsFiles } from "../../harness/tls";
import { DEFAULT_CLIENT_ACL } from "../../components/config/defaults";

const DATA: RedisConfArgs = {
  mode: RedisMode.SentinelData,
  maxmemory: "64mb",
  appendfsync: "everysec",
  clientAcl: DEFAULT_CLIENT_ACL,
  tls: { plaintextPort: false },
};

describe("Redis Sentinel over TLS with mutual authentication, on real processes", function () {
  this.timeout(180_000);
  const fleet = new RedisServers();
  const authority = new TestAuthority("redis-sentinel");
  const foreign = new TestAuthority("another workload");
  let member: TlsFiles;
  let deployer: TlsFiles;
  let master: RedisServer;
  let sentinels: RedisServer[];
  const sentinelOf = (port: number) => ({ masterPort: port, masterName: "mymaster", quorum: 2, tls: DATA.tls });

  before(async () => {
    member = authority.issue("redis-sentinel member");
    deployer = authority.issue("redis-sentinel deployer");
    [master] = await fleet.add(1, { product: DATA, tls: member });
    await fleet.add(2, { product: DATA, tls: member, extraConfig: [`replicaof 127.0.0.1 ${master.port}`] });
    sentinels = await fleet.add(3, { sentinelOf: sentinelOf(master.port), tls: member });
  });
  after(async () => {
    await fleet.stopAll();
    authority.remove();
    foreign.remove();
  });

  const inputs = () => ({
    sentinels: sentinels.map((s) => s.endpoint),
    masterName: "mymaster",
    expectedReplicas: 2,
    password: CLIENT_PASSWORD,
    tls: deployer.pem,
    minValidDays: 7,
  });

  it("passes the health assertion over TLS: sentinels agree, quorum, replicas online, a write read from a replica", async () => {
    const { outs } = await new RedisSentinelHealthProvider().create({ ...inputs(), retryForMs: 60_000 });
    assert.deepStrictEqual(outs.report, { master: master.endpoint, replicas: 2, sentinels: 3 });
    await assert.rejects(
      new RedisSentinelHealthProvider().create({ ...inputs(), minValidDays: 31 }),
      /serves a certificate that expires on .* within tls\.minValidDays \(31\)/,
    );
  });

  it("keeps a sentinel with another authority's certificate from ever reaching the master or the other sentinels", async () => {
    const [rogue] = await fleet.add(1, { sentinelOf: sentinelOf(master.port), tls: foreign.issue() });
    const view = async () => {
      const c = await connectRedis(rogue.port, { ...CLIENT, ...rogue.tlsOption });
      try {
        const flat = (await c.call("SENTINEL", "MASTER", "mymaster")) as string[];
        return new Map(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])));
      } finally {
        c.disconnect();
      }
    };
    // Its links never come up: after down-after-milliseconds it sees the master subjectively down.
    await waitUntil("the rogue sentinel to give up on the master", 30_000, async () =>
      /s_down|disconnected/.test((await view()).get("flags") ?? ""),
    );
    assert.strictEqual((await view()).get("num-slaves"), "0", "it learned no replica (INFO from the master)");
    for (const s of sentinels) {
      const c = await connectRedis(s.port, { ...CLIENT, ...s.tlsOption });
      const flat = (await c.call("SENTINEL", "MASTER", "mymaster")) as string[];
      c.disconnect();
      assert.strictEqual(flat[flat.indexOf("num-other-sentinels") + 1], "2", `${s.endpoint} counts the rogue`);
    }
    await rogue.kill();
  });

  it("fails over over TLS when the master dies, keeping an acknowledged write", async () => {
    const c = await connectRedis(master.port, { ...CLIENT, ...master.tlsOption });
    await c.set("survives-failover", "yes");
    assert.strictEqual(await c.call("WAIT", "2", "5000"), 2);
    c.disconnect();
    await master.kill();
    await waitUntil("a sentinel to promote a replica over TLS", 30_000, async () => {
      const c = await connectRedis(sentinels[0].port, { ...CLIENT, ...sentinels[0].tlsOption });
      const addr = (await c.call("SENTINEL", "get-master-addr-by-name", "mymaster")) as string[];
      c.disconnect();
      return addr[1] !== String(master.port);
    });
    // As its pod would be: the sentinels turn it into a replica of the new master, over TLS.
    await master.start();
    const { outs } = await new RedisSentinelHealthProvider().create({ ...inputs(), retryForMs: 60_000 });
    assert.notStrictEqual(outs.report.master, master.endpoint);
    const port = Number(outs.report.master.split(":")[1]);
    const promoted = await connectRedis(port, { ...CLIENT, ...sentinels[0].tlsOption });
    assert.strictEqual(await promoted.get("survives-failover"), "yes");
    promoted.disconnect();
  });
});
