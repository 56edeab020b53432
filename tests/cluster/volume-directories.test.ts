// The volume-directories provider's logic on the local cluster, with the program's own manifests
// (components/storage/volume-directory-manifests.ts) in local storage mode: the directories are made, owned by
// the workload user, and afterwards no volume, claim or Job on the storage root is left in the
// namespace, whether the Job completed or not (#25: a bound root claim let any pod of the namespace
// mount every workload's data). A root claim an older deploy left bound is taken down too.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { makeVolumeDirectories } from "../../components/storage/volume-directories-logic";
import { StorageMode } from "../../components/config/settings";
import { volumeDirectoryManifests } from "../../components/storage/volume-directory-manifests";
import {
  ClusterEnv,
  Kubectl,
  NODE_BASE_IMAGE,
  clusterEnv,
  ensureCluster,
  importBaseImage,
  localCluster,
} from "../../harness/cluster";

const NS = `middleware-vd${process.pid}`;
const STS = "zookeeper";
const IMAGE = NODE_BASE_IMAGE;

describe("volume directories (storage/volume-directories-logic.ts) on the local cluster", function () {
  this.timeout(10 * 60 * 1000);
  let env: ClusterEnv;
  let kubectl: Kubectl;
  let startedBySuite = false;
  let root: string;

  const manifests = (image = IMAGE) =>
    volumeDirectoryManifests({
      namespace: NS,
      statefulSet: STS,
      replicas: 3,
      storage: { mode: StorageMode.Local, local: { path: root, node: env.NODE_NAME } } as never,
      image,
      pullSecretName: "none",
    });
  const inputs = (image?: string, timeoutSeconds?: number) => ({
    ...manifests(image),
    namespace: NS,
    kube: { kubeconfig: env.KUBECONFIG },
    timeoutSeconds,
  });
  /** What is left in the namespace (and cluster-wide, the root's volume) of the root access. */
  const leftovers = async () => {
    const m = manifests();
    const gone = async (args: string[]) => !(await kubectl.check([...args, "--ignore-not-found", "-o", "name"])).trim();
    return {
      volume: !(await gone(["get", "persistentvolume", m.volume.metadata.name])),
      claim: !(await gone(["-n", NS, "get", "persistentvolumeclaim", m.claim.metadata.name])),
      job: !(await gone(["-n", NS, "get", "job", m.job.metadata.name])),
    };
  };

  before(async () => {
    startedBySuite = await ensureCluster();
    env = await clusterEnv();
    kubectl = new Kubectl(env);
    process.env.PATH = `${env.TOOLS_BIN}:${process.env.PATH}`;
    root = path.join(env.CLUSTER_HOME, "volumes", `vd-test-${process.pid}`);
    fs.mkdirSync(root, { recursive: true });
    fs.chownSync(root, 10001, 10001);
    await importBaseImage(env);
    await kubectl.restrictedNamespace(NS);
  });

  after(async () => {
    await kubectl?.run(["delete", "namespace", NS, "--ignore-not-found", "--wait=false"]);
    await kubectl?.run(["delete", "persistentvolume", `${NS}-${STS}-root`, "--ignore-not-found"]);
    if (root) fs.rmSync(root, { recursive: true, force: true });
    if (startedBySuite) await localCluster("down");
  });

  it("makes every directory, owned by the workload user, and leaves no root volume, claim or Job behind", async () => {
    const done = await makeVolumeDirectories(inputs());
    assert.deepStrictEqual(
      done.directories,
      [0, 1, 2].map((i) => `/volumes/${STS}-${i}`),
    );
    for (const i of [0, 1, 2]) {
      const st = fs.statSync(path.join(root, `${STS}-${i}`));
      assert.ok(st.isDirectory());
      assert.strictEqual(st.uid, 10001, `${STS}-${i} is the workload user's`);
    }
    assert.deepStrictEqual(await leftovers(), { volume: false, claim: false, job: false });
  });

  it("takes down a root claim an older deploy left bound, and runs again without harm", async () => {
    const m = manifests();
    fs.writeFileSync(path.join(root, `${STS}-0`, "data"), "kept");
    await kubectl.apply(m.volume, m.claim);
    await kubectl.check(["-n", NS, "wait", "--for=jsonpath={.status.phase}=Bound", `pvc/${m.claim.metadata.name}`]);
    await makeVolumeDirectories(inputs());
    assert.deepStrictEqual(await leftovers(), { volume: false, claim: false, job: false });
    assert.strictEqual(fs.readFileSync(path.join(root, `${STS}-0`, "data"), "utf8"), "kept", "data untouched");
  });

  it("removes the root access also when the Job cannot complete, and says why", async () => {
    await assert.rejects(makeVolumeDirectories(inputs("middleware-test/no-such-image:none", 20)), (e: Error) => {
      assert.match(e.message, /volume-dirs .* did not complete: neither complete nor failed within 20 s/);
      assert.match(e.message, /ErrImagePull|ImagePullBackOff|ContainerCreating/);
      return true;
    });
    assert.deepStrictEqual(await leftovers(), { volume: false, claim: false, job: false });
  });

  it("leaves alone, and refuses, a volume of the root's name that another namespace claims", async () => {
    const m = manifests();
    const foreign = { ...m.volume, spec: { ...m.volume.spec, claimRef: { namespace: "elsewhere", name: "theirs" } } };
    await kubectl.apply(foreign);
    try {
      await assert.rejects(
        makeVolumeDirectories(inputs()),
        /is claimed by elsewhere\/theirs, not middleware-vd\d+\/zookeeper-storage-root: it is not this stack's; left alone/,
      );
      const still = await kubectl.json(["get", "persistentvolume", m.volume.metadata.name]);
      assert.strictEqual(still.spec.claimRef.namespace, "elsewhere");
    } finally {
      await kubectl.run(["delete", "persistentvolume", m.volume.metadata.name, "--ignore-not-found"]);
    }
  });
});
