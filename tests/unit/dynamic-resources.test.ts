// Every dynamic resource constructed once under mocks: a provider closure that cannot be
// serialized, or does not load the way the engine loads it, fails here rather than in a deploy.
import * as assert from "assert";
import { ChangeGuard } from "../../components/platform/change-guard";
import { RedisClusterHealth } from "../../components/redis/cluster/redis-cluster-health";
import { RedisClusterInit } from "../../components/redis/cluster/redis-cluster-init";
import { RedisSentinelHealth } from "../../components/redis/sentinel/redis-sentinel-health";
import { RedisStandaloneHealth } from "../../components/redis/redis-standalone-health";
import { StatefulSetRollout } from "../../components/platform/rollout";
import { MonitoringCrdsCheck, NodeCapacityCheck, StorageRootCheck } from "../../components/stack/preflight-checks";
import { ZooKeeperHealth } from "../../components/zookeeper/zookeeper-health";
import { VolumeDirectories } from "../../components/storage/volume-directories";
import { loadSerialized, serializedProvider } from "../../harness/dynamic";
import { resetRegistered, setMocks } from "../../harness/mocks";

describe("dynamic resources under mocks", function () {
  this.timeout(60000);
  before(async () => {
    resetRegistered();
    await setMocks("unit");
    const nodes = ["a:6379", "b:6379", "c:6379"];
    new RedisClusterInit("init", { nodes, replicasPerMaster: 0, username: "admin", password: "secret-password-1" });
    new RedisClusterHealth("cluster-health", {
      nodes,
      expectedMasters: 3,
      replicasPerMaster: 0,
      password: "secret-password-1",
    });
    new ZooKeeperHealth("zk-health", {
      servers: ["z:2181"],
      expectedSize: 1,
      clientUser: "app",
      password: "secret-password-1",
    });
    new RedisSentinelHealth("sentinel-health", {
      sentinels: ["s:26379"],
      masterName: "m",
      expectedReplicas: 2,
      password: "secret-password-1",
    });
    new RedisStandaloneHealth("standalone-health", { endpoint: "r:6379", password: "secret-password-1" });
    new StatefulSetRollout("rollout", { namespace: "ns", statefulSet: "s", revision: "r", generation: 1 });
    new NodeCapacityCheck("node-capacity", { pods: { zookeeper: 3 } });
    new StorageRootCheck("storage-root", { namespace: "ns", root: { kind: "local", path: "/v", node: "n" } });
    new MonitoringCrdsCheck("monitoring-crds", { resources: ["podmonitors"] });
    new VolumeDirectories("volume-dirs", {
      namespace: "ns",
      volume: { kind: "PersistentVolume" },
      claim: { kind: "PersistentVolumeClaim" },
      job: { kind: "Job" },
      directories: ["/volumes/s-0"],
    });
    new ChangeGuard("guard", {
      setting: "s",
      value: "1",
      ackSetting: "a",
      risk: "r",
      procedure: "p",
      members: ["z:2181"],
    });
  });

  for (const name of [
    "init",
    "cluster-health",
    "zk-health",
    "sentinel-health",
    "standalone-health",
    "guard",
    "rollout",
    "node-capacity",
    "storage-root",
    "monitoring-crds",
  ]) {
    it(`serializes ${name}'s provider into a module the engine can load`, async () => {
      const text = await serializedProvider(name);
      assert.ok(text.length > 100);
      assert.ok(!text.includes("secret-password-1"), "no secret is captured in the closure");
      const provider = loadSerialized(text);
      for (const m of ["create", "diff", "update", "delete"]) assert.strictEqual(typeof provider[m], "function", m);
      // What each watches changed (assertions: trigger; the rollout: revision).
      const d = (await provider.diff(
        "id",
        { trigger: "rev-1", revision: "rev-1" },
        { trigger: "rev-2", revision: "rev-2" },
      )) as {
        changes: boolean;
      };
      assert.strictEqual(d.changes, true);
    });
  }

  it("serializes volume-dirs's provider, which makes the directories again for new ones, not for a new image", async () => {
    const provider = loadSerialized(await serializedProvider("volume-dirs"));
    const job = (image: string) => ({ kind: "Job", spec: { template: { spec: { containers: [{ image }] } } } });
    const olds = { namespace: "ns", volume: {}, claim: {}, job: job("i1"), directories: ["/volumes/s-0"] };
    const diff = (news: object) => provider.diff("id", olds, { ...olds, ...news }) as Promise<{ changes: boolean }>;
    assert.strictEqual((await diff({ directories: ["/volumes/s-0", "/volumes/s-1"] })).changes, true);
    assert.strictEqual((await diff({ volume: { spec: { nfs: { path: "/other" } } } })).changes, true);
    assert.strictEqual((await diff({ job: job("i2") })).changes, false);
  });
});
