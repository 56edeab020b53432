// The image's preStop hook for Redis Cluster nodes (images/redis/redis-cluster-handover) against
// real redis-server processes running the product's cluster config: a master that is about to
// stop has its replica take over first, so its slots stay writable and no acknowledged write is lost.
import * as assert from "assert";
import * as fs from "fs";
import { Cluster } from "ioredis";
import * as os from "os";
import * as path from "path";
import { RedisClusterInitProvider } from "../../components/redis/cluster/redis-cluster-init";

import { RedisMode } from "../../components/redis/redis-conf";
import { run } from "../../harness/processes";
import { AUTH_FILES } from "../../harness/redis-auth";
import { ADMIN, CLIENT, RedisServers, waitUntil } from "../../harness/redis-servers";
import { ROOT } from "../../harness/stack-files";
import { DEFAULT_CLIENT_ACL } from "../../components/config/defaults";

const HOOK = path.join(ROOT, "images", "redis", "redis-cluster-handover");

describe("redis-cluster-handover (preStop) on real cluster nodes", function () {
  this.timeout(120_000);
  const fleet = new RedisServers();
  const authDir = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-auth-"));
  for (const [file, value] of Object.entries(AUTH_FILES)) fs.writeFileSync(path.join(authDir, file), value);
  after(async () => {
    await fleet.stopAll();
    fs.rmSync(authDir, { recursive: true, force: true });
  });

  it("has a stopping master's replica take over first: every acknowledged write kept, none refused once it is gone", async () => {
    const servers = await fleet.add(6, {
      product: {
        mode: RedisMode.Cluster,
        maxmemory: "64mb",
        appendfsync: "everysec",
        clusterNodeTimeoutMs: 3000,
        clientAcl: DEFAULT_CLIENT_ACL,
      },
    });
    const nodes = servers.map((s) => s.endpoint);
    const formed = (await new RedisClusterInitProvider().create({ nodes, replicasPerMaster: 1, ...ADMIN })).outs;
    const master = servers.find((s) => s.endpoint === formed.masters[0])!;
    const replica = Object.keys(formed.replicaOf).find((r) => formed.replicaOf[r] === master.endpoint)!;
    await waitUntil("the replica's link up", 20_000, async () => {
      const c = await servers.find((s) => s.endpoint === replica)!.admin();
      const role = (await c.call("ROLE")) as unknown[];
      c.disconnect();
      return role[3] === "connected";
    });

    const cluster = new Cluster(
      servers.map((s) => ({ host: "127.0.0.1", port: s.port })),
      { redisOptions: { ...CLIENT, protocol: 2 } },
    );
    cluster.on("error", () => undefined);
    const acked: string[] = [];
    const refused: { phase: string; error: string }[] = [];
    let phase = "before";
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const key = `w:${i}`;
        try {
          await cluster.set(key, key);
          acked.push(key);
        } catch (e) {
          refused.push({ phase, error: String(e) });
        }
      }
    })();
    try {
      await waitUntil("writes flowing", 10_000, async () => acked.length > 300);
      const hook = await run(HOOK, [], {
        env: {
          ...process.env,
          REDIS_MODE: "cluster",
          REDIS_PORT: String(master.port),
          AUTH_DIR: authDir,
          HANDOVER_TIMEOUT_SECONDS: "20",
        },
      });
      assert.strictEqual(hook.code, 0, hook.stderr);
      assert.match(
        hook.stderr,
        new RegExp(`handed the slots to the replica at 127\\.0\\.0\\.1:${replica.split(":")[1]} in \\d+\\.\\d s`),
      );
      const admin = await master.admin();
      assert.strictEqual(((await admin.call("ROLE")) as unknown[])[0], "slave", "the old master follows its replica");
      admin.disconnect();
      // What Kubernetes does once the hook returns: the server stops, here without a goodbye.
      phase = "after stop";
      await master.kill();
      const at = acked.length;
      await waitUntil("more writes after the stop", 20_000, async () => acked.length > at + 300);
    } finally {
      stop = true;
      await writer;
    }
    // Before the hook the stopped master's slots refused writes until node-timeout plus an election.
    assert.deepStrictEqual(
      refused.filter((r) => r.phase === "after stop"),
      [],
      "no write refused after the master stopped",
    );
    const values = await Promise.all(acked.map((k) => cluster.get(k)));
    cluster.disconnect();
    assert.deepStrictEqual(
      acked.filter((k, i) => values[i] !== k),
      [],
      "every acknowledged write is readable",
    );
  });
});
