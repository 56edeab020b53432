// The production storage path on the local cluster (#26): NFS volumes as the dev, staging and prod
// stacks declare them (components/storage/storage.ts, storage.mode nfs), served by the cluster's
// ganesha (tools/local-cluster/shell/nfs-server.sh: NFSv3, Root_Squash, the export root the workloads'
// uid's) and mounted by the kubelet through mount-nfs (tools/local-cluster, FUSE). The directory
// Job makes the volumes' directories through the NFS root volume as uid 10001; a pod as 10001
// writes through its own volume, fsync'd, and the bytes and owner are checked on the server's disk.
import * as assert from "assert";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { makeVolumeDirectories } from "../../components/storage/volume-directories-logic";
import { NfsVersion, ReclaimPolicy, StorageMode, StorageSettings } from "../../components/config/settings";
import { persistentVolumeName, persistentVolumeSpec, volumeDir } from "../../components/storage/storage";
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
import { waitFor } from "../../harness/processes";

const NS = `middleware-nfs${process.pid}`;
const STS = "redis";
const IMAGE = NODE_BASE_IMAGE;

describe("NFS volumes on the local cluster (ganesha, mounted by the kubelet through mount-nfs)", function () {
  this.timeout(10 * 60 * 1000);
  let env: ClusterEnv;
  let kubectl: Kubectl;
  let startedBySuite = false;
  let root: string;
  let storage: StorageSettings;

  before(async () => {
    startedBySuite = await ensureCluster();
    env = await clusterEnv();
    kubectl = new Kubectl(env);
    process.env.PATH = `${env.TOOLS_BIN}:${process.env.PATH}`;
    // The stack's root below the export, as an admin would hand one stack a directory.
    root = path.join(env.NFS_EXPORT, `nfs-test-${process.pid}`);
    fs.mkdirSync(root);
    fs.chownSync(root, 10001, 10001);
    storage = {
      mode: StorageMode.Nfs,
      nfs: { server: env.NFS_SERVER, path: root, version: NfsVersion.V3 },
      reclaimPolicy: ReclaimPolicy.Retain,
    } as StorageSettings;
    await importBaseImage(env);
    await kubectl.restrictedNamespace(NS);
  });

  after(async () => {
    await kubectl?.run(["delete", "namespace", NS, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
    await kubectl?.run(["delete", "persistentvolume", persistentVolumeName(NS, STS, 0), "--ignore-not-found"]);
    if (root) fs.rmSync(root, { recursive: true, force: true });
    if (startedBySuite) await localCluster("down");
  });

  it("makes the volumes' directories through the NFS root volume, as the workload user", async () => {
    const m = volumeDirectoryManifests({
      namespace: NS,
      statefulSet: STS,
      replicas: 2,
      storage,
      image: IMAGE,
      pullSecretName: "none",
    });
    assert.deepStrictEqual(m.volume.spec.mountOptions, ["nfsvers=3", "hard"]);
    await makeVolumeDirectories({ ...m, namespace: NS, kube: { kubeconfig: env.KUBECONFIG } });
    for (const i of [0, 1]) {
      const st = fs.statSync(path.join(root, volumeDir(STS, i)));
      assert.ok(st.isDirectory());
      assert.strictEqual(st.uid, 10001, `${volumeDir(STS, i)} is the workload user's on the server`);
    }
  });

  it("serves a pod's writes as its own uid, fsync'd, onto the server's disk, through a FUSE mount the kubelet made", async () => {
    const pv = persistentVolumeName(NS, STS, 0);
    const claim = "data";
    const payload = randomBytes(128 << 10).toString("base64");
    await kubectl.apply(
      {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: pv },
        spec: persistentVolumeSpec(storage, {
          namespace: NS,
          claim,
          dir: volumeDir(STS, 0),
          size: "64Mi",
          accessMode: "ReadWriteOnce",
        }),
      },
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: claim, namespace: NS },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName: "", resources: { requests: { storage: "64Mi" } } },
      },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "payload", namespace: NS },
        data: { payload },
      },
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "writer", namespace: NS },
        spec: {
          restartPolicy: "Never",
          securityContext: {
            runAsUser: 10001,
            runAsGroup: 10001,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "writer",
              image: IMAGE,
              imagePullPolicy: "Never",
              // AOF-like: an fsync'd write, an append, a rename into place; then it waits to be looked at.
              command: [
                "bash",
                "-c",
                "dd if=/payload/payload of=/data/temp bs=64k conv=fsync status=none && mv /data/temp /data/base && " +
                  "echo one >> /data/incr && echo two >> /data/incr && sync /data/incr && touch /data/done && sleep 600",
              ],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "payload", mountPath: "/payload" },
              ],
            },
          ],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName: claim } },
            { name: "payload", configMap: { name: "payload" } },
          ],
        },
      },
    );
    const dir = path.join(root, volumeDir(STS, 0));
    await waitFor("the pod's writes on the server", 180_000, async () => {
      if (fs.existsSync(path.join(dir, "done"))) return true;
      const pod = await kubectl.json(["-n", NS, "get", "pod", "writer"]);
      if (pod.status.phase === "Failed") throw new Error(`the writer failed: ${JSON.stringify(pod.status)}`);
      return undefined;
    });
    const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
    assert.strictEqual(sha(fs.readFileSync(path.join(dir, "base"))), sha(payload), "the fsync'd file, byte for byte");
    assert.strictEqual(fs.readFileSync(path.join(dir, "incr"), "utf8"), "one\ntwo\n");
    assert.strictEqual(fs.statSync(path.join(dir, "base")).uid, 10001, "written as the pod's uid");
    // The kubelet mounted it through mount-nfs: a FUSE mount of the volume's export path.
    const mounts = fs.readFileSync("/proc/mounts", "utf8").split("\n");
    assert.ok(
      mounts.some((l) => l.startsWith(`${env.NFS_SERVER}:${dir} `) && l.split(" ")[2] === "fuse.nfs"),
      `no fuse.nfs mount of ${env.NFS_SERVER}:${dir} in /proc/mounts`,
    );
    await kubectl.check(["-n", NS, "delete", "pod", "writer", "--wait=true", "--timeout=120s"]);
    await waitFor("the kubelet to unmount the volume", 60_000, async () =>
      fs.readFileSync("/proc/mounts", "utf8").includes(`${env.NFS_SERVER}:${dir} `) ? undefined : true,
    );
  });
});
