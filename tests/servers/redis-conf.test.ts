// The product's redis.conf (components/redis/redis-conf.ts) on real redis-server processes: what it
// promises about acknowledged writes holds on the server, not only in the text.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

import { RedisConfArgs, RedisMode } from "../../components/redis/redis-conf";
import { Cluster } from "ioredis";
import * as net from "net";
import { initCluster } from "../../components/redis/cluster/redis-cluster-init-logic";
import { keyForSlot } from "../../components/redis/cluster/slot-plan";
import { connectRedis } from "../../harness/redis";
import { ADMIN, CLIENT, RedisServers, waitUntil } from "../../harness/redis-servers";
import { PREVIOUS_CLIENT_PASSWORD } from "../../harness/redis-auth";
import { DEFAULT_CLIENT_ACL } from "../../components/config/defaults";

const conf = (mode: RedisConfArgs["mode"]): RedisConfArgs => ({
  mode,
  maxmemory: "64mb",
  appendfsync: "everysec",
  clientAcl: DEFAULT_CLIENT_ACL,
});

/** The server's first reply line to `AUTH <password>` on a fresh connection. */
function authReply(port: number, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(`AUTH ${password}\r\n`));
    let reply = "";
    socket.on("data", (d) => {
      reply += d.toString();
      if (reply.includes("\r\n")) {
        socket.destroy();
        resolve(reply.split("\r\n")[0]);
      }
    });
    socket.on("error", reject);
  });
}

describe("the product's redis.conf on real redis-server processes", function () {
  this.timeout(60_000);
  let fleet: RedisServers;
  beforeEach(() => (fleet = new RedisServers()));
  afterEach(() => fleet.stopAll());

  it("persists through the AOF alone: no RDB save points to fork under load, no full RDB written at shutdown", async () => {
    const [server] = await fleet.add(1, { product: conf(RedisMode.Standalone) });
    const admin = await server.admin();
    try {
      assert.deepStrictEqual(await admin.config("GET", "save"), ["save", ""]);
    } finally {
      admin.disconnect();
    }
    const client = await connectRedis(server.port, CLIENT);
    for (let i = 0; i < 200; i++) await client.set(`app:k${i}`, `v${i}`);
    client.disconnect();
    await server.shutdown();
    // Before the fix Redis kept its default save points and wrote dump.rdb on every shutdown.
    assert.ok(!fs.existsSync(path.join(server.dir, "dump.rdb")), "a shutdown wrote a full RDB snapshot");
    await server.start();
    const again = await connectRedis(server.port, CLIENT);
    try {
      assert.strictEqual(await again.get("app:k199"), "v199", "the AOF brought the data back");
      assert.strictEqual(await again.dbsize(), 200);
    } finally {
      again.disconnect();
    }
  });

  it("a Sentinel data master with no replica in reach refuses writes instead of acknowledging what a failover would discard", async () => {
    const [master] = await fleet.add(1, { product: conf(RedisMode.SentinelData) });
    const [replica] = await fleet.add(1, {
      product: conf(RedisMode.SentinelData),
      extraConfig: [`replicaof 127.0.0.1 ${master.port}`],
    });
    const client = await connectRedis(master.port, CLIENT);
    const admin = await master.admin();
    try {
      await waitUntil("the replica in sync", 15_000, async () =>
        /^slave0:.*state=online/m.test(await admin.info("replication")),
      );
      assert.strictEqual(await client.set("app:with-replica", "1"), "OK");
      await replica.kill();
      await waitUntil("the master saw the replica go", 15_000, async () =>
        /connected_slaves:0/.test(await admin.info("replication")),
      );
      // Before the fix the master kept acknowledging writes that no replica would ever hold.
      await assert.rejects(client.set("app:alone", "1"), /NOREPLICAS/);
      assert.strictEqual(await client.exists("app:alone"), 0);
    } finally {
      client.disconnect();
      admin.disconnect();
    }
  });

  it("a Redis Cluster redirects clients to the address the cluster knows, not to a DNS name that may be stale", async () => {
    // Each node announces a name that does not resolve, as a pod's DNS record does for up to the
    // records' TTL after the pod came back at a new address (CoreDNS: 30 s, plus client caches).
    const servers = await fleet.add(6, {
      product: { ...conf(RedisMode.Cluster), clusterNodeTimeoutMs: 2000 },
      extraConfig: ["cluster-announce-hostname pod-record-not-yet-updated.invalid"],
    });
    await initCluster({ nodes: servers.map((x) => x.endpoint), replicasPerMaster: 1, ...ADMIN });
    // An unmodified cluster client, as applications use one: it follows CLUSTER SLOTS and MOVED.
    const cluster = new Cluster([{ host: "127.0.0.1", port: servers[0].port }], {
      redisOptions: { ...CLIENT, connectTimeout: 2000, maxRetriesPerRequest: 1 },
      clusterRetryStrategy: () => null,
      slotsRefreshTimeout: 2000,
    });
    cluster.on("error", () => undefined);
    try {
      // One key in each master's slots: every write lands on a node other than the first only
      // through the address the cluster handed out.
      for (const slot of [0, 6000, 12000]) {
        const key = keyForSlot(slot, "app:");
        assert.strictEqual(await cluster.set(key, String(slot)), "OK", key);
        assert.strictEqual(await cluster.get(key), String(slot));
      }
    } finally {
      cluster.disconnect();
    }
  });
  it("keeps Lua scripts and functions from clients unless the stack turns them on, and then only with the client's own rights", async () => {
    const [off] = await fleet.add(1, { product: conf(RedisMode.Standalone) });
    const [on] = await fleet.add(1, { product: { ...conf(RedisMode.Standalone), clientScripting: true } });
    const refused: [string, ...string[]][] = [
      ["EVAL", "return 1", "0"],
      ["EVAL_RO", "return 1", "0"],
      ["FCALL", "f", "0"],
      ["FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)"],
      ["SCRIPT", "LOAD", "return 1"],
    ];
    const offClient = await connectRedis(off.port, CLIENT);
    const onClient = await connectRedis(on.port, CLIENT);
    try {
      // Before: the default user had +@all, scripting included.
      for (const [cmd, ...args] of refused)
        await assert.rejects(offClient.call(cmd, ...args), /NOPERM/, `${cmd} refused`);
      await onClient.set("k", "v");
      assert.strictEqual(await onClient.call("EVAL", "return redis.call('GET', KEYS[1])", "1", "k"), "v");
      // Inside a script the client's own rules hold, and nobody's scripts can be wiped.
      await assert.rejects(
        onClient.call("EVAL", "return redis.call('FLUSHALL')", "0"),
        /NOPERM|can't run this command/,
      );
      for (const c of [
        ["SCRIPT", "FLUSH"],
        ["FUNCTION", "FLUSH"],
        ["FUNCTION", "DELETE", "lib"],
      ])
        await assert.rejects(onClient.call(c[0], ...c.slice(1)), /NOPERM/, c.join(" "));
    } finally {
      offClient.disconnect();
      onClient.disconnect();
    }
  });

  it("accepts the previous client password beside the current one only while a rotation says so", async () => {
    const [plain] = await fleet.add(1, { product: conf(RedisMode.SentinelData) });
    const [rotating] = await fleet.add(1, {
      product: { ...conf(RedisMode.SentinelData), acceptsPreviousPassword: true },
    });
    for (const server of [plain, rotating]) {
      const current = await connectRedis(server.port, CLIENT);
      assert.strictEqual(await current.ping(), "PONG");
      current.disconnect();
    }
    // The client rules are the same whichever password a client logged in with.
    const old = await connectRedis(rotating.port, { password: PREVIOUS_CLIENT_PASSWORD });
    try {
      assert.strictEqual(await old.get("app:k"), null);
      await assert.rejects(old.call("FLUSHALL"), /NOPERM/);
    } finally {
      old.disconnect();
    }
    // Without a rotation the old password is refused: asked on a bare connection, as any client logs in.
    assert.match(await authReply(plain.port, PREVIOUS_CLIENT_PASSWORD), /^-WRONGPASS/);
    assert.match(await authReply(rotating.port, PREVIOUS_CLIENT_PASSWORD), /^\+OK/);
  });
});
