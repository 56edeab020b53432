// The real Pulumi engine deploying @pulumi/kubernetes and @pulumi/docker resources to the local
// cluster and its registry through the plugins, installed as scripts/install/install-tools installs them
// (the real kubernetes provider built from its source; the docker stand-in): an image built,
// pushed and pulled by digest with an imagePullSecret; up, a no-change up, a drift-free refresh,
// an in-place update, an immutable StatefulSet change refused at preview and made by the runbook's
// procedure, secrets only as ciphertext, destroy.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ClusterEnv, Kubectl, clusterEnv, ensureCluster, localCluster } from "../../harness/cluster";
import { EngineWorkspace, requireEngine } from "../../harness/engine";
import { ROOT } from "../../harness/stack-files";

const FIXTURE = path.join(ROOT, "tests", "engine", "fixtures", "kubernetes");
const STACK = "kubernetes";
const PASSWORD = "engine-k8s-secret-password";
const NAMESPACE = `engine-k8s-${process.pid}`;

describe("real Pulumi engine with the kubernetes plugin on the local cluster", function () {
  this.timeout(600000);
  const ws = new EngineWorkspace();
  let env: ClusterEnv;
  let kubectl: Kubectl;
  let startedCluster = false;
  let registryPassword = "";

  before(async () => {
    requireEngine();
    await ws.installPlugin("kubernetes");
    await ws.installPlugin("docker");
    startedCluster = await ensureCluster();
    env = await clusterEnv();
    kubectl = new Kubectl(env);
    const settings: [string, string][] = [
      ["kubernetes:kubeconfig", env.KUBECONFIG],
      ["namespace", NAMESPACE],
      ["greeting", "hello"],
      ["registry", env.REGISTRY],
      ["registryUser", env.REGISTRY_USER],
    ];
    assert.strictEqual((await ws.pulumi(FIXTURE, ["stack", "init", STACK])).code, 0);
    for (const [key, value] of settings) {
      const r = await ws.pulumi(FIXTURE, ["config", "set", key, value]);
      assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    }
    registryPassword = fs.readFileSync(env.REGISTRY_PASSWORD_FILE, "utf8");
    for (const [key, value] of [
      ["password", PASSWORD],
      ["registryPassword", registryPassword],
    ]) {
      const s = await ws.pulumi(FIXTURE, ["config", "set", "--secret", key], value);
      assert.strictEqual(s.code, 0, s.stdout + s.stderr);
    }
  });

  after(async () => {
    await ws.pulumi(FIXTURE, ["destroy", "--yes"]);
    await kubectl?.run(["delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
    fs.rmSync(path.join(FIXTURE, `Pulumi.${STACK}.yaml`), { force: true });
    ws.cleanup();
    if (startedCluster) await localCluster("down");
  });

  it("builds and pushes the image, and the StatefulSet runs it pulled by digest with the pull secret", async () => {
    const up = await ws.pulumi(FIXTURE, ["up", "--yes"]);
    assert.strictEqual(up.code, 0, up.stdout + up.stderr);
    assert.match(up.stdout, /readyReplicas\s*:\s*1/);
    const pod = await kubectl.json(["-n", NAMESPACE, "get", "pod", "echo-0"]);
    const repo = `${env.REGISTRY}/engine-test/echo`;
    assert.ok(pod.spec.containers[0].image.startsWith(`${repo}@sha256:`), pod.spec.containers[0].image);
    assert.ok(pod.status.containerStatuses[0].imageID.includes(pod.spec.containers[0].image.split("@")[1]));
    assert.deepStrictEqual(pod.spec.imagePullSecrets, [{ name: "pull" }]);
    const live = await kubectl.json(["-n", NAMESPACE, "get", "statefulset", "echo", "--show-managed-fields"]);
    assert.strictEqual(live.status.readyReplicas, 1);
    const managers = live.metadata.managedFields.map((f: any) => f.manager);
    // The provider applies server-side under a field manager of its own, pulumi-kubernetes-<id>.
    assert.ok(
      managers.some((m: string) => /^pulumi-kubernetes(-[0-9a-f]+)?$/.test(m)),
      `fields applied by the provider's manager, got ${managers}`,
    );
  });

  it("changes nothing on a second up, and a refresh finds no drift", async () => {
    const again = await ws.pulumi(FIXTURE, ["up", "--yes", "--expect-no-changes"]);
    assert.strictEqual(again.code, 0, again.stdout + again.stderr);
    const refresh = await ws.pulumi(FIXTURE, ["refresh", "--yes", "--expect-no-changes"]);
    assert.strictEqual(refresh.code, 0, refresh.stdout + refresh.stderr);
  });

  it("keeps the Secret's and the registry's passwords out of the state in plaintext", () => {
    const state = ws.stateText();
    assert.ok(state.includes("ciphertext"));
    for (const secret of [PASSWORD, registryPassword, `${env.REGISTRY_USER}:${registryPassword}`]) {
      assert.ok(!state.includes(secret), "plaintext secret in state");
      assert.ok(!state.includes(Buffer.from(secret).toString("base64")), "base64 secret in state");
    }
  });

  it("updates a ConfigMap in place when its input changes (enableConfigMapMutable, as the product sets it)", async () => {
    assert.strictEqual((await ws.pulumi(FIXTURE, ["config", "set", "greeting", "bonjour"])).code, 0);
    const up = await ws.pulumi(FIXTURE, ["up", "--yes"]);
    assert.strictEqual(up.code, 0, up.stdout + up.stderr);
    assert.match(up.stdout, /1 updated/);
    const cm = await kubectl.json(["-n", NAMESPACE, "get", "configmap", "settings"]);
    assert.strictEqual(cm.data.greeting, "bonjour");
  });

  it("refuses a change of an immutable StatefulSet field at preview, and the runbook's orphan procedure makes it without restarting the pod", async () => {
    const pod = async () => kubectl.json(["-n", NAMESPACE, "get", "pod", "echo-0"]);
    const before = (await pod()).metadata.uid;
    assert.strictEqual((await ws.pulumi(FIXTURE, ["config", "set", "podManagementPolicy", "Parallel"])).code, 0);
    try {
      // The provider's server-side dry-run of the replacement meets the object it would replace
      // (pulumi-kubernetes#3984): the preview, and so `up`, fails before anything changes.
      const preview = await ws.pulumi(FIXTURE, ["preview", "--diff"]);
      assert.notStrictEqual(preview.code, 0, preview.stdout);
      const out = preview.stdout + preview.stderr;
      assert.match(out, /\+-kubernetes:apps\/v1:StatefulSet: \(replace\)/);
      assert.match(out, /~ podManagementPolicy\s*: "OrderedReady" => "Parallel"/);
      assert.match(out, /StatefulSet\.apps "echo" is invalid: spec: Forbidden: updates to statefulset spec/);
      const live = await kubectl.json(["-n", NAMESPACE, "get", "statefulset", "echo"]);
      assert.strictEqual(live.spec.podManagementPolicy, "OrderedReady");

      // docs/runbooks.md, "Changing an immutable StatefulSet field": orphan, refresh, up.
      await kubectl.check(["-n", NAMESPACE, "delete", "statefulset", "echo", "--cascade=orphan"]);
      const refresh = await ws.pulumi(FIXTURE, ["refresh", "--yes"]);
      assert.strictEqual(refresh.code, 0, refresh.stdout + refresh.stderr);
      const up = await ws.pulumi(FIXTURE, ["up", "--yes"]);
      assert.strictEqual(up.code, 0, up.stdout + up.stderr);
      const now = await kubectl.json(["-n", NAMESPACE, "get", "statefulset", "echo"]);
      assert.strictEqual(now.spec.podManagementPolicy, "Parallel");
      assert.strictEqual((await pod()).metadata.uid, before, "the running pod was adopted, not restarted");
    } finally {
      assert.strictEqual((await ws.pulumi(FIXTURE, ["config", "rm", "podManagementPolicy"])).code, 0);
    }
  });

  it("destroys everything and waits until it is gone", async () => {
    const destroy = await ws.pulumi(FIXTURE, ["destroy", "--yes"]);
    assert.strictEqual(destroy.code, 0, destroy.stdout + destroy.stderr);
    const r = await kubectl.run(["get", "namespace", NAMESPACE]);
    assert.notStrictEqual(r.code, 0, "namespace still there after destroy");
  });
});
