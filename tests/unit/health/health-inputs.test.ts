import * as assert from "assert";
import { redisClusterHealthInputs } from "../../../components/redis/cluster/redis-cluster-health";
import { redisSentinelHealthInputs } from "../../../components/redis/sentinel/redis-sentinel-health";
import { redisStandaloneHealthInputs } from "../../../components/redis/redis-standalone-health";
import { zookeeperHealthInputs } from "../../../components/zookeeper/zookeeper-health";

describe("health inputs", () => {
  const zone = "ns.svc.cluster.local";

  it("checks every ZooKeeper member on its client port, and the ensemble size", () => {
    const z = zookeeperHealthInputs("zookeeper", { replicas: 3 }, zone);
    assert.strictEqual(z.servers.length, 3);
    assert.strictEqual(z.servers[2], "zookeeper-2.zookeeper-headless.ns.svc.cluster.local:2181");
    assert.strictEqual(z.expectedSize, 3);
  });

  it("checks the standalone Redis pod itself, not its Service", () => {
    assert.deepStrictEqual(redisStandaloneHealthInputs("redis", zone), {
      endpoint: "redis-0.redis-headless.ns.svc.cluster.local:6379",
    });
  });

  it("checks all masters and replicas of the Redis Cluster", () => {
    const c = redisClusterHealthInputs("redis-cluster", { masters: 4, replicasPerMaster: 2 }, zone);
    assert.strictEqual(c.nodes.length, 12);
    assert.strictEqual(c.nodes[11], "redis-cluster-11.redis-cluster-headless.ns.svc.cluster.local:6379");
    assert.deepStrictEqual([c.expectedMasters, c.replicasPerMaster], [4, 2]);
  });

  it("asks every sentinel, expecting all data pods but the master as replicas", () => {
    const s = redisSentinelHealthInputs("redis-sentinel", { sentinels: 5, masterName: "m", dataReplicas: 3 }, zone);
    assert.strictEqual(s.sentinels.length, 5);
    assert.strictEqual(s.sentinels[0], "redis-sentinel-0.redis-sentinel-headless.ns.svc.cluster.local:26379");
    assert.deepStrictEqual([s.masterName, s.expectedReplicas], ["m", 2]);
  });
});
