import * as assert from "assert";
import { runProgram } from "../../../harness/program";
import { readStackFile } from "../../../harness/stack-files";

const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

describe("post-deploy resources in the program", function () {
  this.timeout(60000);

  it("registers cluster init and one health assertion per workload, wired to the pods", async () => {
    const run = await runProgram("dev", readStackFile("dev"));
    const dyn = new Map(run.resources.filter((r) => r.type === DYNAMIC).map((r) => [r.name, r.inputs]));
    const guards = [
      "redis-cluster-shape",
      "redis-cluster-storage",
      "redis-cluster-tls-switch",
      "redis-cluster-internal-passwords",
      "redis-sentinel-internal-passwords",
      "redis-sentinel-tls-switch",
      "zookeeper-tls-switch",
      "redis-sentinel-data-storage",
      "redis-sentinel-storage",
      "redis-storage",
      "zookeeper-size",
      "zookeeper-storage",
    ];
    const preflight = ["storage-root"]; // and node-capacity with required anti-affinity (program.test.ts)
    // Each workload's own authority and what it signs: its pods', the applications', the deployer's.
    const certificates = ["redis", "redis-cluster", "redis-sentinel", "zookeeper"].flatMap((w) =>
      ["ca", "tls", "client", "deployer"].map((c) => `${w}-${c}`),
    );
    const statefulSets = ["redis", "redis-cluster", "redis-sentinel", "redis-sentinel-data", "zookeeper"];
    const rollouts = statefulSets.map((w) => `${w}-rollout`);
    // Each StatefulSet's volume directories, made through a root claim that lives only while they are.
    const volumeDirectories = statefulSets.map((w) => `${w}-volumes-dirs`);
    assert.deepStrictEqual(
      [...dyn.keys()].sort(),
      [
        "redis-cluster-health",
        "redis-cluster-init",
        "redis-health",
        "redis-sentinel-health",
        "zookeeper-health",
        ...guards,
        ...preflight,
        ...rollouts,
        ...certificates,
        ...volumeDirectories,
      ].sort(),
    );

    const init = dyn.get("redis-cluster-init")!;
    assert.deepStrictEqual(
      init.nodes,
      Array.from(
        { length: 6 },
        (_, i) => `redis-cluster-${i}.redis-cluster-headless.middleware-dev.svc.cluster.local:6379`,
      ),
    );
    assert.strictEqual(init.replicasPerMaster, 1);
    assert.strictEqual(init.username, "admin", "cluster management runs as the admin user");
    assert.strictEqual(
      init.password[Object.keys(init.password)[0]],
      SECRET_SIG,
      "the password travels as a secret input",
    );

    const health = dyn.get("redis-cluster-health")!;
    assert.strictEqual(health.expectedMasters, 3);
    assert.strictEqual(health.username, undefined, "health checks use the ordinary client user");
    assert.strictEqual(health.retryForMs, 300000);
    assert.deepStrictEqual(health.access, { kind: "direct" });
    // image | config hash | replicas | password fingerprint | tls: authority/certificate serials:
    // a password change or a renewed certificate re-runs the assertions.
    assert.match(
      health.trigger,
      /^harbor\.dev\.example\.internal\/middleware\/redis@sha256:[0-9a-f]{64}\|[0-9a-f]{16}\|6\|[0-9a-f]{32}\|tls:[0-9a-f]{32}\/[0-9a-f]{32}$/,
    );
    assert.strictEqual(health.minValidDays, 7);
    for (const r of [init, health, dyn.get("redis-sentinel-health")!, dyn.get("redis-health")!])
      assert.strictEqual(
        r.tls[Object.keys(r.tls)[0]],
        SECRET_SIG,
        "the deployer's certificate and key travel as a secret",
      );

    // Init and the assertions wait for the roll of what they judge: same StatefulSet, same revision.
    const rollout = dyn.get("redis-cluster-rollout")!;
    assert.deepStrictEqual(
      [rollout.namespace, rollout.statefulSet, rollout.revision, rollout.access],
      ["middleware-dev", "redis-cluster", health.trigger, { kind: "direct" }],
    );

    assert.deepStrictEqual(
      dyn.get("zookeeper-health")!.servers,
      [0, 1, 2].map((i) => `zookeeper-${i}.zookeeper-headless.middleware-dev.svc.cluster.local:2181`),
    );
    assert.strictEqual(dyn.get("zookeeper-health")!.expectedSize, 3);
    const size = dyn.get("zookeeper-size")!;
    assert.deepStrictEqual(
      [size.setting, size.value, size.ackSetting, size.ack, size.members, size.access],
      [
        "zookeeper.replicas",
        "3",
        "zookeeper.resizeFrom",
        undefined,
        dyn.get("zookeeper-health")!.servers,
        { kind: "direct" },
      ],
    );
    const shape = dyn.get("redis-cluster-shape")!;
    assert.deepStrictEqual(
      [shape.value, shape.growthAllowed, shape.ackSetting],
      ["masters=3,replicasPerMaster=1", true, undefined],
      "the cluster may grow; fewer nodes are refused for good",
    );
    const tlsSwitch = dyn.get("redis-cluster-tls-switch")!;
    assert.deepStrictEqual(
      [tlsSwitch.stoppedToCreate, tlsSwitch.members],
      [true, init.nodes],
      "a cluster deployed before TLS must be stopped before its pods switch",
    );
    assert.strictEqual(
      dyn.get("redis-sentinel-tls-switch")!.members.length,
      6,
      "data pods and sentinels switch together",
    );
    const storage = dyn.get("redis-cluster-storage")!;
    assert.deepStrictEqual(
      [storage.setting, storage.value, storage.ackSetting],
      ["storage", "nfs:nfs.dev.example.internal:/exports/middleware", undefined],
    );
    assert.deepStrictEqual(storage.members, init.nodes, "every pod must be stopped before its volumes move");
    const sentinel = dyn.get("redis-sentinel-health")!;
    assert.strictEqual(sentinel.expectedReplicas, 2);
    assert.strictEqual(sentinel.masterName, "mymaster");
    assert.strictEqual(sentinel.sentinels.length, 3);
    assert.strictEqual(
      dyn.get("redis-health")!.endpoint,
      "redis-0.redis-headless.middleware-dev.svc.cluster.local:6379",
    );
  });

  it("reaches the pods through kubectl port-forward when asked", async () => {
    const raw = { ...readStackFile("dev"), health: { access: "portForward", kubeContext: "ci", retrySeconds: 60 } };
    const run = await runProgram("dev", raw);
    const health = run.resources.find((r) => r.type === DYNAMIC && r.name === "zookeeper-health")!.inputs;
    assert.deepStrictEqual(health.access, { kind: "portForward", namespace: "middleware-dev", context: "ci" });
    assert.strictEqual(health.retryForMs, 60000);
  });

  it("registers none of them when health checks are disabled, only the change guards and the preflight checks", async () => {
    const run = await runProgram("dev", { ...readStackFile("dev"), health: { enabled: false } });
    const left = run.resources.filter((r) => r.type === DYNAMIC).map((r) => r.name);
    assert.ok(
      left.every((n) =>
        /-(size|storage|shape|ca|tls|client|deployer|tls-switch|internal-passwords|volumes-dirs)$|^storage-root$/.test(
          n,
        ),
      ),
      left.join(", "),
    );
  });
});
