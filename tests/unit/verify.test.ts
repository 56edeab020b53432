import * as assert from "assert";
import { parseStackConfig } from "../../components/config/validate";
import { verificationPlan } from "../../components/stack/verification-plan";
import { rawFromCliConfig } from "../../scripts/pipeline/verify";
import { runProgram } from "../../harness/program";
import { TEST_SECRETS, readStackFile, testSecretStates } from "../../harness/stack-files";

const secrets = testSecretStates();

describe("npm run verify", function () {
  this.timeout(60000);

  it("checks exactly the members the program's own assertions check", async () => {
    const settings = parseStackConfig("dev", readStackFile("dev"), secrets);
    const plan = new Map(verificationPlan(settings, TEST_SECRETS).map((c) => [c.name, c.inputs]));
    const run = await runProgram("dev", readStackFile("dev"));
    const dyn = new Map(
      run.resources.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource").map((r) => [r.name, r.inputs]),
    );
    assert.deepStrictEqual(plan.get("ZooKeeper")!.servers, dyn.get("zookeeper-health")!.servers);
    assert.strictEqual(plan.get("ZooKeeper")!.clientUser, dyn.get("zookeeper-health")!.clientUser);
    assert.deepStrictEqual(plan.get("Redis Cluster")!.nodes, dyn.get("redis-cluster-health")!.nodes);
    assert.strictEqual(plan.get("Redis Cluster")!.expectedMasters, dyn.get("redis-cluster-health")!.expectedMasters);
    assert.deepStrictEqual(plan.get("Redis Sentinel")!.sentinels, dyn.get("redis-sentinel-health")!.sentinels);
    assert.strictEqual(
      plan.get("Redis Sentinel")!.expectedReplicas,
      dyn.get("redis-sentinel-health")!.expectedReplicas,
    );
    assert.strictEqual(plan.get("Redis")!.endpoint, dyn.get("redis-health")!.endpoint);
  });

  it("presents the client certificate it is given to each workload, whose members demand one", () => {
    const settings = parseStackConfig("dev", readStackFile("dev"), secrets);
    const tls = { ca: "ca-pem", cert: "cert-pem", key: "key-pem" };
    const zkTls = { ca: "zk-ca-pem", cert: "zk-cert-pem", key: "zk-key-pem" };
    const plan = new Map(
      verificationPlan(settings, { ...TEST_SECRETS, clientTls: { redisCluster: tls, zookeeper: zkTls } }).map((c) => [
        c.name,
        c.inputs,
      ]),
    );
    assert.deepStrictEqual(plan.get("Redis Cluster")!.tls, tls);
    assert.strictEqual(plan.get("Redis Cluster")!.minValidDays, 7);
    assert.deepStrictEqual(plan.get("ZooKeeper")!.tls, zkTls);
    assert.strictEqual(plan.get("Redis")!.tls, undefined, "only the workloads it has a certificate for");
  });

  it("reads `pulumi config --json` output, structured values and secrets included", () => {
    const { raw, secrets: s } = rawFromCliConfig({
      "middleware:namespace": { value: "mw", secret: false },
      "middleware:zookeeper": { value: '{"replicas":5}', secret: false },
      "middleware:storage": { value: "{}", objectValue: { mode: "storageClass" }, secret: false },
      "middleware:redisPassword": { value: "decrypted-value-123", secret: true },
      // Passwords that look like JSON are still passwords, not structured config.
      "middleware:redisAdminPassword": {
        value: '{"a":"admin-value-1"}',
        objectValue: { a: "admin-value-1" },
        secret: true,
      },
      "middleware:internalSecret": { value: "[not-json-but-bracketed", secret: true },
      "kubernetes:context": { value: "other" },
    });
    assert.strictEqual(s.redisAdminPassword.value, '{"a":"admin-value-1"}');
    assert.strictEqual(s.internalSecret.value, "[not-json-but-bracketed");
    assert.deepStrictEqual(raw.zookeeper, { replicas: 5 });
    assert.deepStrictEqual(raw.storage, { mode: "storageClass" });
    assert.strictEqual(raw.namespace, "mw");
    assert.ok(!("context" in raw));
    assert.deepStrictEqual(s.redisPassword, { value: "decrypted-value-123", encrypted: true });
    assert.deepStrictEqual(s.registryPassword, { value: undefined, encrypted: undefined });
  });

  it("skips disabled workloads", () => {
    const raw = { ...readStackFile("dev"), zookeeper: { enabled: false }, redisSentinel: { enabled: false } };
    const names = verificationPlan(parseStackConfig("dev", raw, secrets), TEST_SECRETS).map((c) => c.name);
    assert.deepStrictEqual(names, ["Redis", "Redis Cluster"]);
  });
});
