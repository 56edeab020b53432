import * as assert from "assert";
import { Cluster } from "ioredis";
import { assertClusterHealthy } from "../../components/redis/cluster/redis-cluster-health-logic";
import { parseClusterNodes } from "../../components/redis/cluster/cluster-nodes";
import { RedisClusterHealthProvider } from "../../components/redis/cluster/redis-cluster-health";
import { RedisClusterInitProvider } from "../../components/redis/cluster/redis-cluster-init";
import { keyForSlot } from "../../components/redis/cluster/slot-plan";
import { ADMIN, CLIENT, RedisServers, waitUntil } from "../../harness/redis-servers";

describe("RedisClusterHealthProvider (real redis-server)", function () {
  this.timeout(120000);
  const fleet = new RedisServers();
  let nodes: string[];
  after(() => fleet.stopAll());
  before(async () => {
    const servers = await fleet.add(6, { cluster: true, nodeTimeoutMs: 1000 });
    nodes = servers.map((s) => s.endpoint);
    await new RedisClusterInitProvider().create({ nodes, replicasPerMaster: 1, ...ADMIN });
  });

  const inputs = () => ({ nodes, expectedMasters: 3, replicasPerMaster: 1, ...CLIENT });

  it("passes on a healthy cluster with the client (non-admin) user, writing through every master", async () => {
    const { outs } = await new RedisClusterHealthProvider().create(inputs());
    assert.deepStrictEqual(outs.report, { state: "ok", masters: 3, replicas: 3, slotsOk: 16384, keysVerified: 3 });
    assert.ok(!("password" in outs));
  });

  it("fails when the expected shape differs, saying how", async () => {
    await assert.rejects(
      assertClusterHealthy({ ...inputs(), expectedMasters: 4 }),
      /expected 4 masters serving slots, found 3/,
    );
    await assert.rejects(
      assertClusterHealthy({ ...inputs(), replicasPerMaster: 2 }),
      /has 1 connected replica\(s\), expected 2/,
    );
  });

  it("fails naming a killed master, passes after its replica takes over, and keeps data written with WAIT", async () => {
    const victim = fleet.servers.find((s) => s.endpoint === nodes[0])!;
    const admin = await victim.admin();
    const mySlots = String(await admin.call("CLUSTER", "NODES"))
      .split("\n")
      .find((l) => l.includes("myself"))!
      .split(" ")
      .slice(8);
    const slot = Number(mySlots[0].split("-")[0]);
    const key = keyForSlot(slot, "durable:");
    await admin.set(key, "kept");
    assert.strictEqual(await admin.call("WAIT", "1", "5000"), 1, "the replica acknowledged the write");
    admin.disconnect();

    await victim.kill();
    await assert.rejects(assertClusterHealthy(inputs()), (e: Error) => {
      assert.ok(e.message.includes(`cannot reach ${victim.endpoint}`), e.message);
      return true;
    });
    // The surviving nodes promote the replica; then the old master comes back, as its pod would.
    const survivor = fleet.servers.find((s) => s.endpoint === nodes[1])!;
    await waitUntil("the replica to take over the killed master's slots", 30000, async () => {
      const c = await survivor.admin();
      const view = parseClusterNodes(String(await c.call("CLUSTER", "NODES")));
      const info = String(await c.call("CLUSTER", "INFO"));
      c.disconnect();
      const dead = view.find((n) => n.address === victim.endpoint);
      const owner = view.find((n) => n.slots.includes(slot));
      return (
        !!dead?.flags.includes("fail") &&
        owner !== undefined &&
        owner.id !== dead.id &&
        info.includes("cluster_state:ok")
      );
    });
    await victim.start();
    const { outs } = await new RedisClusterHealthProvider().create({ ...inputs(), retryForMs: 30000 });
    assert.strictEqual(outs.report.masters, 3);
    const roles = await victim.admin();
    assert.match(String(await roles.call("INFO", "replication")), /role:slave/, "the old master rejoined as a replica");
    roles.disconnect();
    const client = new Cluster([{ host: "127.0.0.1", port: survivor.port }], {
      redisOptions: { ...CLIENT, protocol: 2 },
    });
    try {
      assert.strictEqual(await client.get(key), "kept");
    } finally {
      client.disconnect();
    }
  });
});
