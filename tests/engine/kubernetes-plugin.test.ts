// The real Pulumi engine deploying @pulumi/kubernetes resources to the local cluster through the
// kubernetes plugin (our offline stand-in, installed as scripts/install-tools installs it):
// up, a no-change up, a drift-free refresh, an in-place update, secrets only as ciphertext, destroy.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ClusterEnv, Kubectl, clusterEnv, ensureCluster, localCluster } from "../support/cluster";
import { EngineWorkspace, requireEngine } from "../support/engine";
import { ROOT } from "../support/stack-files";

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

  before(async () => {
    requireEngine();
    await ws.installOfflineKubernetesPlugin();
    startedCluster = await ensureCluster();
    env = await clusterEnv();
    kubectl = new Kubectl(env);
    const coredns = await kubectl.json(["-n", "kube-system", "get", "deployment", "coredns"]);
    const settings: [string, string][] = [
      ["kubernetes:kubeconfig", env.KUBECONFIG],
      ["namespace", NAMESPACE],
      ["greeting", "hello"],
      // An image the node already holds: this suite is about the plugin, not the registry.
      ["image", coredns.spec.template.spec.containers[0].image],
    ];
    assert.strictEqual((await ws.pulumi(FIXTURE, ["stack", "init", STACK])).code, 0);
    for (const [key, value] of settings) {
      const r = await ws.pulumi(FIXTURE, ["config", "set", key, value]);
      assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    }
    const s = await ws.pulumi(FIXTURE, ["config", "set", "--secret", "password"], PASSWORD);
    assert.strictEqual(s.code, 0, s.stdout + s.stderr);
  });

  after(async () => {
    await ws.pulumi(FIXTURE, ["destroy", "--yes"]);
    await kubectl?.run(["delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
    fs.rmSync(path.join(FIXTURE, `Pulumi.${STACK}.yaml`), { force: true });
    ws.cleanup();
    if (startedCluster) await localCluster("down");
  });

  it("deploys with up, waiting for the StatefulSet to be ready", async () => {
    const up = await ws.pulumi(FIXTURE, ["up", "--yes"]);
    assert.strictEqual(up.code, 0, up.stdout + up.stderr);
    assert.match(up.stdout, /readyReplicas\s*:\s*1/);
    const live = await kubectl.json(["-n", NAMESPACE, "get", "statefulset", "echo", "--show-managed-fields"]);
    assert.strictEqual(live.status.readyReplicas, 1);
    const managers = live.metadata.managedFields.map((f: any) => f.manager);
    assert.ok(managers.includes("pulumi-kubernetes"), `fields applied by one manager, got ${managers}`);
  });

  it("changes nothing on a second up, and a refresh finds no drift", async () => {
    const again = await ws.pulumi(FIXTURE, ["up", "--yes", "--expect-no-changes"]);
    assert.strictEqual(again.code, 0, again.stdout + again.stderr);
    const refresh = await ws.pulumi(FIXTURE, ["refresh", "--yes", "--expect-no-changes"]);
    assert.strictEqual(refresh.code, 0, refresh.stdout + refresh.stderr);
  });

  it("keeps the Secret's password out of the state in plaintext", () => {
    const state = ws.stateText();
    assert.ok(state.includes("ciphertext"));
    assert.ok(!state.includes(PASSWORD), "plaintext password in state");
    assert.ok(!state.includes(Buffer.from(PASSWORD).toString("base64")), "base64 password in state");
  });

  it("updates a ConfigMap in place when its input changes", async () => {
    assert.strictEqual((await ws.pulumi(FIXTURE, ["config", "set", "greeting", "bonjour"])).code, 0);
    const up = await ws.pulumi(FIXTURE, ["up", "--yes"]);
    assert.strictEqual(up.code, 0, up.stdout + up.stderr);
    assert.match(up.stdout, /1 updated/);
    const cm = await kubectl.json(["-n", NAMESPACE, "get", "configmap", "settings"]);
    assert.strictEqual(cm.data.greeting, "bonjour");
  });

  it("destroys everything and waits until it is gone", async () => {
    const destroy = await ws.pulumi(FIXTURE, ["destroy", "--yes"]);
    assert.strictEqual(destroy.code, 0, destroy.stdout + destroy.stderr);
    const r = await kubectl.run(["get", "namespace", NAMESPACE]);
    assert.notStrictEqual(r.code, 0, "namespace still there after destroy");
  });
});
