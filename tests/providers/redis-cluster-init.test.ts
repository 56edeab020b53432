// RedisClusterInitProvider against real redis-server processes: formation, adoption without a
// write, completion of half-formed clusters, refusal of foreign data, clear connection errors,
// and a scale-out that loses no key.
import * as assert from "assert";
import { Cluster } from "ioredis";
import { parseClusterNodes } from "../../components/redis/cluster/cluster-nodes";
import { RedisClusterInitProvider } from "../../components/redis/cluster/redis-cluster-init";
import { evenSlotRanges } from "../../components/redis/cluster/slot-plan";
import { freePort } from "../../harness/processes";
import { redisCliCluster, redisCliCreate } from "../../harness/redis-cli";
import { ADMIN, CLIENT, RedisServer, RedisServers, waitUntil } from "../../harness/redis-servers";

const provider = new RedisClusterInitProvider();

async function redisCliCheck(node: string): Promise<string> {
  const out = await redisCliCluster(["check", node]);
  assert.match(out, /\[OK\] All nodes agree about slots configuration/);
  assert.match(out, /\[OK\] All 16384 slots covered/);
  return out;
}

/** Writes `count` keys through a cluster client and returns them; each key's value is `value-<key>`. */
async function writeKeys(port: number, prefix: string, count: number): Promise<string[]> {
  const cluster = new Cluster([{ host: "127.0.0.1", port }], { redisOptions: { ...CLIENT, protocol: 2 } });
  const keys = Array.from({ length: count }, (_, i) => `${prefix}:${i}`);
  try {
    for (let i = 0; i < keys.length; i += 500)
      await Promise.all(keys.slice(i, i + 500).map((k) => cluster.set(k, `value-${k}`)));
  } finally {
    cluster.disconnect();
  }
  return keys;
}

/** The keys whose value is not `value-<key>` any more, read through a cluster client. */
async function lostKeys(port: number, keys: readonly string[]): Promise<string[]> {
  const cluster = new Cluster([{ host: "127.0.0.1", port }], { redisOptions: { ...CLIENT, protocol: 2 } });
  try {
    const values = await Promise.all(keys.map((k) => cluster.get(k)));
    return keys.filter((k, i) => values[i] !== `value-${k}`);
  } finally {
    cluster.disconnect();
  }
}

/** Per-command call counts of the cluster-changing commands, to prove an adoption wrote nothing. */
async function clusterWriteCounts(servers: readonly RedisServer[]): Promise<string> {
  const out: string[] = [];
  for (const s of servers) {
    const c = await s.admin();
    const stats = String(await c.call("INFO", "commandstats"));
    c.disconnect();
    out.push(
      ...stats
        .split("\n")
        .filter((l) =>
          /^cmdstat_(cluster\|(meet|addslots|addslotsrange|replicate|setslot|set-config-epoch|forget|reset)|migrate):/.test(
            l,
          ),
        )
        .map((l) => `${s.port} ${l.split(",")[0]}`),
    );
  }
  return out.sort().join("\n");
}

/**
 * Forms a cluster as an operator would by hand: master i takes `ranges[i]`, node `ranges.length + j`
 * replicates master `replicaOf[j]`, and any node after those is left untouched; resolves once it is ok.
 */
async function formByHand(
  servers: readonly RedisServer[],
  ranges: readonly (readonly [number, number])[],
  replicaOf: readonly number[],
): Promise<void> {
  const admins = await Promise.all(servers.map((s) => s.admin()));
  try {
    for (const [i, [from, to]] of ranges.entries())
      await admins[i].call("CLUSTER", "ADDSLOTSRANGE", String(from), String(to));
    for (const s of servers.slice(1, ranges.length + replicaOf.length))
      await admins[0].call("CLUSTER", "MEET", "127.0.0.1", String(s.port));
    const ids = await Promise.all(admins.map(async (c) => String(await c.call("CLUSTER", "MYID"))));
    for (const [j, m] of replicaOf.entries()) {
      const replica = admins[ranges.length + j];
      await waitUntil("the replica to know its master", 20000, async () =>
        String(await replica.call("CLUSTER", "NODES")).includes(`${ids[m]} 127.0.0.1`),
      );
      await replica.call("CLUSTER", "REPLICATE", ids[m]);
    }
    await waitUntil("the hand-formed cluster to be ok", 20000, async () =>
      (
        await Promise.all(
          admins.slice(0, ranges.length + replicaOf.length).map(async (c) => String(await c.call("CLUSTER", "INFO"))),
        )
      ).every((info) => info.includes("cluster_state:ok")),
    );
  } finally {
    admins.forEach((c) => c.disconnect());
  }
}

describe("RedisClusterInitProvider (real redis-server)", function () {
  this.timeout(120000);
  const fleet = new RedisServers();
  after(() => fleet.stopAll());

  it("forms six fresh nodes into 3 masters + 3 replicas that redis-cli --cluster check accepts", async () => {
    const servers = await fleet.add(6, { cluster: true });
    const nodes = servers.map((s) => s.endpoint);
    const { outs } = await provider.create({ nodes, replicasPerMaster: 1, ...ADMIN });
    assert.strictEqual(outs.action, "formed");
    assert.strictEqual(outs.masters.length, 3);
    assert.strictEqual(Object.keys(outs.replicaOf).length, 3);
    for (const [replica, master] of Object.entries(outs.replicaOf as Record<string, string>))
      assert.notStrictEqual(replica, master);
    assert.ok(!("password" in outs), "the password is not an output");
    const check = await redisCliCheck(nodes[0]);
    assert.strictEqual((check.match(/M: [0-9a-f]{40}/g) ?? []).length, 3);

    // A second run adopts the cluster: same result, and not one cluster-changing command.
    const before = await clusterWriteCounts(servers);
    const again = await provider.create({ nodes, replicasPerMaster: 1, ...ADMIN });
    assert.strictEqual(again.outs.action, "adopted");
    assert.strictEqual(again.outs.writes, 0);
    assert.deepStrictEqual(again.outs.nodeIds, outs.nodeIds);
    assert.strictEqual(await clusterWriteCounts(servers), before);
  });

  it("reports no diff for the same inputs and an update when nodes change", async () => {
    const olds = { nodes: ["a:1", "b:2"], replicasPerMaster: 1, username: "admin" };
    assert.strictEqual(
      (await provider.diff("id", olds as never, { ...olds, password: "changed-password" } as never)).changes,
      false,
    );
    assert.strictEqual(
      (await provider.diff("id", olds as never, { ...olds, nodes: ["a:1", "b:2", "c:3"] } as never)).changes,
      true,
    );
  });

  it("finishes a cluster a previous run left after MEET, before any slot was assigned", async () => {
    const servers = await fleet.add(6, { cluster: true });
    const first = await servers[0].admin();
    for (const s of servers.slice(1)) await first.call("CLUSTER", "MEET", "127.0.0.1", String(s.port));
    first.disconnect();
    const { outs } = await provider.create({ nodes: servers.map((s) => s.endpoint), replicasPerMaster: 1, ...ADMIN });
    assert.strictEqual(outs.action, "completed");
    await redisCliCheck(servers[0].endpoint);
  });

  it("finishes a cluster a previous run left with slots on one master and no replicas", async () => {
    const servers = await fleet.add(6, { cluster: true });
    const first = await servers[0].admin();
    // The first master's share, as a first run that stopped after its first ADDSLOTSRANGE leaves it.
    const [a, b] = evenSlotRanges(3)[0];
    await first.call("CLUSTER", "ADDSLOTSRANGE", String(a), String(b));
    first.disconnect();
    const { outs } = await provider.create({ nodes: servers.map((s) => s.endpoint), replicasPerMaster: 1, ...ADMIN });
    assert.strictEqual(outs.action, "completed");
    assert.ok(outs.masters.includes(servers[0].endpoint), "the node that already served slots stays a master");
    await redisCliCheck(servers[0].endpoint);
  });

  it("refuses a node that holds foreign keys, naming it, and leaves its keys and every node untouched", async () => {
    const servers = await fleet.add(6, { cluster: true });
    const holder = await servers[3].admin();
    // Give it a key the way a reused volume would: it served a slot once, then stopped serving it.
    await holder.call("CONFIG", "SET", "cluster-require-full-coverage", "no");
    await holder.call("CLUSTER", "ADDSLOTS", "12182");
    await waitUntil("the lone slot to be served", 10000, async () => (await holder.set("foo", "precious")) === "OK");
    await holder.call("CLUSTER", "DELSLOTS", "12182");
    await holder.call("CONFIG", "SET", "cluster-require-full-coverage", "yes");
    const before = String(await holder.call("CLUSTER", "NODES"));
    await assert.rejects(
      provider.create({ nodes: servers.map((s) => s.endpoint), replicasPerMaster: 1, ...ADMIN }),
      (e: Error) => {
        assert.match(e.message, /nothing was changed/);
        assert.ok(e.message.includes(`${servers[3].endpoint} (node `), e.message);
        assert.match(e.message, /holds 1 key\(s\) but serves no slot of this cluster/);
        return true;
      },
    );
    assert.strictEqual(await holder.call("DBSIZE"), 1);
    assert.strictEqual(String(await holder.call("CLUSTER", "NODES")), before);
    holder.disconnect();
    for (const s of servers) {
      const c = await s.admin();
      const view = parseClusterNodes(String(await c.call("CLUSTER", "NODES")));
      c.disconnect();
      assert.strictEqual(view.length, 1, `${s.endpoint} met nobody`);
      assert.strictEqual(view[0].slots.length, 0, `${s.endpoint} got no slots`);
    }
  });

  it("refuses a node that belongs to another cluster", async () => {
    const other = await fleet.add(3, { cluster: true });
    await provider.create({ nodes: other.map((s) => s.endpoint), replicasPerMaster: 0, ...ADMIN });
    const ours = await fleet.add(5, { cluster: true });
    const nodes = [...ours.map((s) => s.endpoint), other[1].endpoint];
    await assert.rejects(provider.create({ nodes, replicasPerMaster: 1, ...ADMIN }), (e: Error) => {
      assert.ok(e.message.includes(`${other[1].endpoint} (node`), e.message);
      assert.match(e.message, /belongs to a different cluster/);
      return true;
    });
    await redisCliCheck(other[0].endpoint);
  });

  it("refuses on create a cluster formed another way among its nodes, naming each node and what it holds, and reshards nothing", async () => {
    // Three masters someone formed by hand with uneven shares and data; the stack's three replicas-to-be are fresh.
    const servers = await fleet.add(6, { cluster: true });
    const nodes = servers.map((s) => s.endpoint);
    await formByHand(
      servers,
      [
        [0, 8191],
        [8192, 12287],
        [12288, 16383],
      ],
      [],
    );
    const keys = await writeKeys(servers[0].port, "theirs", 500);
    const before = await clusterWriteCounts(servers);
    await assert.rejects(provider.create({ nodes, replicasPerMaster: 1, ...ADMIN }), (e: Error) => {
      assert.match(e.message, /nothing was changed/);
      assert.match(
        e.message,
        new RegExp(
          `${nodes[0]} \\(node [0-9a-f]{40}\\) serves slots 0-8191 \\(\\d+ key\\(s\\)\\), but this stack would form it as the master of slots 0-5461`,
        ),
      );
      assert.ok(e.message.includes(`${nodes[1]} (node `) && e.message.includes("serves slots 8192-12287"), e.message);
      assert.ok(!e.message.includes(`${nodes[3]} (node `), `the untouched node is not blamed: ${e.message}`);
      assert.match(e.message, /never reshards a cluster formed another way/);
      return true;
    });
    assert.strictEqual(await clusterWriteCounts(servers), before, "not one cluster-changing command");
    assert.deepStrictEqual(await lostKeys(servers[0].port, keys), []);
  });

  it("refuses on create a cluster redis-cli --cluster create formed, naming the masters whose slots differ from this stack's", async () => {
    // redis-cli gives the first two masters 0-5460 and 5461-10922; this stack 0-5461 and 5462-10922.
    const servers = await fleet.add(6, { cluster: true });
    const nodes = servers.map((s) => s.endpoint);
    await redisCliCreate(nodes, 1);
    const before = await clusterWriteCounts(servers);
    await assert.rejects(provider.create({ nodes, replicasPerMaster: 1, ...ADMIN }), (e: Error) => {
      assert.match(e.message, /nothing was changed/);
      assert.ok(
        e.message.includes(`${nodes[0]} (node `) &&
          e.message.includes(
            "serves slots 0-5460 (0 key(s)), but this stack would form it as the master of slots 0-5461",
          ),
        e.message,
      );
      assert.ok(
        e.message.includes(`${nodes[1]} (node `) &&
          e.message.includes(
            "serves slots 5461-10922 (0 key(s)), but this stack would form it as the master of slots 5462-10922",
          ),
        e.message,
      );
      assert.ok(
        !e.message.includes(`${nodes[2]} (node `),
        `the master laid out as planned is not blamed: ${e.message}`,
      );
      return true;
    });
    assert.strictEqual(await clusterWriteCounts(servers), before, "not one cluster-changing command");
  });

  it("refuses on create a cluster with this stack's slots whose replicas pair differently, naming each replica", async () => {
    // This stack pairs node 3 with master 1, 4 with 2 and 5 with 0; here each follows the master at its own position.
    const servers = await fleet.add(6, { cluster: true });
    const nodes = servers.map((s) => s.endpoint);
    await formByHand(servers, evenSlotRanges(3), [0, 1, 2]);
    await assert.rejects(provider.create({ nodes, replicasPerMaster: 1, ...ADMIN }), (e: Error) => {
      for (const [j, r] of nodes.slice(3).entries()) {
        assert.ok(e.message.includes(`${r} (node `), `${r} is named: ${e.message}`);
        assert.ok(
          e.message.includes(
            `replicates ${nodes[j]} (0 key(s)), but this stack would form it as a replica of ${nodes[(j + 1) % 3]}`,
          ),
          e.message,
        );
      }
      for (const m of nodes.slice(0, 3))
        assert.ok(!e.message.includes(`${m} (node `), `the master laid out as planned is not blamed: ${e.message}`);
      return true;
    });
  });

  it("adopts on create, without a write, a cluster it formed whose shards have failed over since", async () => {
    const servers = await fleet.add(6, { cluster: true });
    const nodes = servers.map((s) => s.endpoint);
    const { outs } = await provider.create({ nodes, replicasPerMaster: 1, ...ADMIN });
    const replica = Object.keys(outs.replicaOf)[0];
    const promoted = servers.find((s) => s.endpoint === replica)!;
    const c = await promoted.admin();
    await c.call("CLUSTER", "FAILOVER");
    await waitUntil("the replica to take over its shard", 20000, async () =>
      String(await c.call("ROLE")).startsWith("master"),
    );
    c.disconnect();
    await waitUntil("every node to agree on the failover", 20000, async () => {
      const views = await Promise.all(
        servers.map(async (s) => {
          const a = await s.admin();
          const mine = parseClusterNodes(String(await a.call("CLUSTER", "NODES"))).find((e) => e.address === replica)!;
          a.disconnect();
          return mine.slots.length > 0;
        }),
      );
      return views.every(Boolean);
    });
    // The stack lost its record (destroyed with the volumes kept, or a first `up` that failed late).
    const before = await clusterWriteCounts(servers);
    const again = await provider.create({ nodes, replicasPerMaster: 1, ...ADMIN });
    assert.strictEqual(again.outs.action, "adopted");
    assert.ok(again.outs.masters.includes(replica));
    assert.strictEqual(await clusterWriteCounts(servers), before);
  });

  it("refuses on update nodes that hold a cluster other than the one it recorded, though it is laid out the same", async () => {
    const servers = await fleet.add(6, { cluster: true });
    const nodes = servers.map((s) => s.endpoint);
    const { outs } = await provider.create({ nodes, replicasPerMaster: 1, ...ADMIN });
    // Every volume replaced by another cluster's: new node ids, the same layout, other data.
    for (const s of servers) {
      const a = await s.admin();
      await a.call("CLUSTER", "RESET", "HARD");
      a.disconnect();
    }
    await provider.create({ nodes, replicasPerMaster: 1, ...ADMIN });
    const keys = await writeKeys(servers[0].port, "restored", 300);
    const before = await clusterWriteCounts(servers);
    await assert.rejects(
      provider.update("id", outs, { nodes, replicasPerMaster: 1, ...ADMIN, trigger: "rolled" }),
      (e: Error) => {
        assert.match(e.message, /nothing was changed/);
        for (const n of nodes) assert.ok(e.message.includes(`${n} is node `), `${n} is named: ${e.message}`);
        assert.ok(e.message.includes(`but this stack formed node ${outs.nodeIds[nodes[0]]} there`), e.message);
        return true;
      },
    );
    assert.strictEqual(await clusterWriteCounts(servers), before);
    assert.deepStrictEqual(await lostKeys(servers[0].port, keys), []);
  });

  it("names an unreachable node within a bounded time", async () => {
    const servers = await fleet.add(5, { cluster: true });
    const dead = `127.0.0.1:${await freePort()}`;
    const t0 = Date.now();
    await assert.rejects(
      provider.create({ nodes: [...servers.map((s) => s.endpoint), dead], replicasPerMaster: 1, ...ADMIN }),
      (e: Error) => {
        assert.ok(e.message.includes(`cannot reach ${dead}`), e.message);
        assert.match(e.message, /nothing was changed/);
        return true;
      },
    );
    assert.ok(Date.now() - t0 < 15000, `took ${Date.now() - t0} ms`);
  });

  it("names a wrong password as an authentication failure, without echoing it", async () => {
    const servers = await fleet.add(6, { cluster: true });
    await assert.rejects(
      provider.create({
        nodes: servers.map((s) => s.endpoint),
        replicasPerMaster: 1,
        username: "admin",
        password: "not-the-password",
      }),
      (e: Error) => {
        assert.match(e.message, /authentication to 127\.0\.0\.1:\d+ failed/);
        assert.ok(!e.message.includes("not-the-password"));
        return true;
      },
    );
  });

  it("scales out from 3 to 4 masters, moving slots with their keys, losing none", async () => {
    const servers = await fleet.add(6, { cluster: true });
    const nodes = servers.map((s) => s.endpoint);
    const formed = (await provider.create({ nodes, replicasPerMaster: 1, ...ADMIN })).outs;
    const keys = await writeKeys(servers[0].port, "key", 3000);

    const added = await fleet.add(2, { cluster: true });
    const grown = [...nodes, ...added.map((s) => s.endpoint)];
    const { outs } = await provider.update("id", formed, { nodes: grown, replicasPerMaster: 1, ...ADMIN });
    assert.strictEqual(outs.action, "scaled");
    assert.strictEqual(outs.masters.length, 4);
    const check = await redisCliCheck(grown[0]);
    for (const share of [...check.matchAll(/slots:\[[^\]]*\] \((\d+) slots\) master/g)].map((m) => Number(m[1]))) {
      assert.ok(share === 4096, `each master serves 4096 slots, one serves ${share}`);
    }
    assert.deepStrictEqual(await lostKeys(servers[0].port, keys), [], "keys lost");
    const again = await provider.update("id", outs, { nodes: grown, replicasPerMaster: 1, ...ADMIN });
    assert.strictEqual(again.outs.action, "adopted");
  });

  it("never hands out the slots of a shard that is gone: after a scale-in and a FORGET it stops, on update and on create", async () => {
    const servers = await fleet.add(8, { cluster: true });
    const nodes = servers.map((s) => s.endpoint);
    const formed = (await provider.create({ nodes, replicasPerMaster: 1, ...ADMIN })).outs;
    const keys = await writeKeys(servers[0].port, "shard", 4000);
    // What shrinking the StatefulSet from 4 masters to 3 did: one shard's master and replica gone,
    // then the FORGET an operator runs to clear the failed nodes out of the others' tables.
    const lostMaster = formed.masters[3];
    const lost = [lostMaster, ...Object.keys(formed.replicaOf).filter((r) => formed.replicaOf[r] === lostMaster)];
    assert.strictEqual(lost.length, 2);
    for (const s of servers.filter((x) => lost.includes(x.endpoint))) await s.kill();
    const left = servers.filter((x) => !lost.includes(x.endpoint));
    for (const s of left) {
      const a = await s.admin();
      for (const e of lost) await a.call("CLUSTER", "FORGET", formed.nodeIds[e]);
      a.disconnect();
    }
    const remaining = left.map((s) => s.endpoint);
    const before = await clusterWriteCounts(left);
    const refusal = (e: Error) => {
      assert.match(e.message, /nothing was changed: slots 12288-16383 \(4096 of 16384\) have no owner/);
      assert.match(e.message, /never hands a served slot out empty/);
      return true;
    };
    // Before the fix init shared the orphaned slots out, said "completed", and a quarter of the keys were gone.
    await assert.rejects(provider.update("id", formed, { nodes: remaining, replicasPerMaster: 1, ...ADMIN }), refusal);
    // The stack's record lost too (destroy, then up on the kept volumes): refused as well (the layout is not its own).
    await assert.rejects(provider.create({ nodes: remaining, replicasPerMaster: 1, ...ADMIN }), /nothing was changed/);
    assert.strictEqual(await clusterWriteCounts(left), before, "not one cluster-changing command");
    const admin = await left[0].admin();
    const free =
      16384 - parseClusterNodes(String(await admin.call("CLUSTER", "NODES"))).reduce((n, e) => n + e.slots.length, 0);
    admin.disconnect();
    assert.strictEqual(free, 4096, "the orphaned slots stay unassigned");
    assert.ok(keys.length === 4000);
  });

  it("waits out a MIGRATE that takes longer than an ordinary command may, rather than fail while the server moves the keys", async () => {
    // A production-like node timeout: with the suite's 1 s, the stalled node answered the delayed
    // RESTORE with CLUSTERDOWN (seen, not a case this test is about).
    const servers = await fleet.add(6, { cluster: true, nodeTimeoutMs: 15000 });
    const nodes = servers.map((s) => s.endpoint);
    const formed = (await provider.create({ nodes, replicasPerMaster: 1, ...ADMIN })).outs;
    const keys = await writeKeys(servers[0].port, "slow", 2000);
    const added = await fleet.add(2, { cluster: true, nodeTimeoutMs: 15000 });
    // Whichever new node imports first stalls its writes (RESTORE included) for 7 s: longer than the
    // 5 s an ordinary provider command may take, shorter than MIGRATE's own 10 s idle timeout.
    const watchers = await Promise.all(added.map((s) => s.admin()));
    let stalledAt = 0;
    let watching = true;
    const watch = (async () => {
      while (watching && !stalledAt) {
        for (const w of watchers) {
          const mine =
            String(await w.call("CLUSTER", "NODES"))
              .split("\n")
              .find((l) => l.includes("myself")) ?? "";
          if (/-<-/.test(mine) && !stalledAt) {
            await w.call("CLIENT", "PAUSE", "7000", "WRITE");
            stalledAt = Date.now();
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const grown = [...nodes, ...added.map((s) => s.endpoint)];
    try {
      const { outs } = await provider.update("id", formed, { nodes: grown, replicasPerMaster: 1, ...ADMIN });
      assert.strictEqual(outs.action, "scaled");
      assert.ok(stalledAt > 0, "a new master was stalled while it imported");
    } finally {
      watching = false;
      await watch;
      for (const w of watchers) w.disconnect();
    }
    await redisCliCheck(grown[0]);
    assert.deepStrictEqual(await lostKeys(servers[0].port, keys), [], "keys lost");
  });
});
