// The workloads' own file-system use through mount-nfs (#26), on real processes: Redis with
// appendonly and appendfsync everysec, and a ZooKeeper ensemble's transaction log and snapshots,
// each with its data on an NFS mount of the local cluster's server. Writes are counted while the
// NFS server is killed (SIGKILL) and started again: a hard mount blocks the writer and then
// resumes, so no acknowledged write may be missing afterwards, not even after the servers crash
// too. A soft mount would have failed the writes instead (Redis stops on an AOF write error).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClusterEnv, clusterEnv, ensureCluster, localCluster, mountNfs, nfsServerOutage } from "../../harness/cluster";
import { StandaloneRedisWriter, Writer, ZooKeeperWriter } from "../../harness/fault-writers";
import { run, waitFor } from "../../harness/processes";
import { CLIENT_PASSWORD, RedisServers } from "../../harness/redis-servers";
import { ZK_TEST_AUTH, ZooKeeperEnsembleProcess } from "../../harness/zookeeper-servers";
import { ZooKeeperAuthFile } from "../../components/zookeeper/zoo-cfg";

/** The server squashes root (this test's uid) to its anonymous user, which must own the directory. */
const ANONYMOUS = 65534;
const OUTAGE_MS = 8000;

describe("workloads on an NFS mount (mount-nfs to the local cluster's NFS server)", function () {
  this.timeout(600_000);
  let startedCluster = false;
  let env: ClusterEnv;
  let exportDir = "";
  let mountPoint = "";

  /**
   * Writes with `w` through an NFS outage: acknowledged writes before it, none while the server
   * is down (the writer blocks), and more after it is back.
   */
  const writeThroughOutage = async (w: Writer): Promise<void> => {
    w.start();
    await waitFor(`${w.system} acknowledging writes`, 60_000, async () => (w.acked.length >= 50 ? true : undefined));
    const outageStart = Date.now();
    const { backAt: back } = await nfsServerOutage(env, OUTAGE_MS);
    const duringOutage = w.acked.filter((a) => a.at > outageStart + 3000 && a.at < back - OUTAGE_MS / 2);
    await waitFor(`${w.system} acknowledging writes after the NFS server came back`, 120_000, async () =>
      w.acked.filter((a) => a.at > back).length >= 50 ? true : undefined,
    );
    await w.stop();
    assert.deepStrictEqual(
      duringOutage.map((a) => a.id),
      [],
      `${w.system} acknowledged writes while the NFS server was down: they cannot be on its disk`,
    );
  };

  before(async () => {
    startedCluster = await ensureCluster();
    env = await clusterEnv();
    exportDir = path.join(env.NFS_EXPORT, `nfs-workloads-${process.pid}`);
    fs.mkdirSync(exportDir, { mode: 0o700 });
    fs.chownSync(exportDir, ANONYMOUS, ANONYMOUS);
    mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), "nfs-workloads-"));
    // The kubelet's call (mounter path), without the kubelet.
    await mountNfs(env, exportDir, mountPoint);
  });

  after(async () => {
    if (mountPoint) {
      // Busy while the ACL-check loop of a killed ZooKeeper member's entrypoint runs on (up to 35 s):
      // it outlives the JVM and writes to the member's log, which is on the mount.
      const unmounted = await waitFor("the mount released", 60_000, async () =>
        (await run("umount", [mountPoint])).code === 0 ? true : undefined,
      ).catch((e: Error) => console.log(`      (${e.message}; ${mountPoint} left mounted)`));
      if (unmounted) fs.rmdirSync(mountPoint);
    }
    if (exportDir) fs.rmSync(exportDir, { recursive: true, force: true });
    if (startedCluster) await localCluster("down");
  });

  it("Redis with appendfsync everysec: every acknowledged write is on the server's disk, through an NFS server crash and its own", async () => {
    const servers = new RedisServers(mountPoint);
    let writer: StandaloneRedisWriter | undefined;
    try {
      const [redis] = await servers.add(1);
      const w = (writer = new StandaloneRedisWriter(redis.port, CLIENT_PASSWORD, "nfs"));
      await writeThroughOutage(w);
      const admin = await redis.admin();
      const persistence = await admin.info("persistence");
      admin.disconnect();
      assert.match(persistence, /^aof_last_write_status:ok/m);
      // A failed write sets that status back to ok once a later one succeeds; the log keeps it.
      const log = fs.readFileSync(path.join(redis.dir, "redis.log"), "utf8");
      assert.doesNotMatch(
        log,
        /Error writing to the AOF|AOF write error|Fail to fsync|Can't open/,
        "Redis saw the mount fail",
      );
      // A crash: what the mount took is all that is left. Redis wrote each command before replying.
      await redis.kill();
      const aofDir = path.join(exportDir, path.relative(mountPoint, redis.dir), "appendonlydir");
      const onDisk = fs
        .readdirSync(aofDir)
        .map((f) => fs.readFileSync(path.join(aofDir, f), "latin1"))
        .join("");
      const missing = w.acked.filter((a) => !onDisk.includes(w.key(a.id)));
      assert.deepStrictEqual(missing, [], "acknowledged writes missing from the AOF on the NFS server's disk");
      await redis.start();
      assert.deepStrictEqual(await w.lost(w.acked), [], "acknowledged writes missing after the restart");
      console.log(`      ${w.acked.length} writes acknowledged, ${w.refused} refused while the NFS server was down`);
    } finally {
      await writer?.close();
      await servers.stopAll();
    }
  });

  it("a ZooKeeper ensemble: every committed write survives an NFS server crash and the loss of every member", async () => {
    const zk = new ZooKeeperEnsembleProcess(3, { parentDir: mountPoint });
    const quorum = () =>
      waitFor(
        "a leader and two followers",
        120_000,
        async () => {
          const modes = await zk.modes();
          return modes.filter((m) => m === "leader").length === 1 && modes.filter((m) => m === "follower").length === 2
            ? true
            : undefined;
        },
        500,
      );
    let w: ZooKeeperWriter | undefined;
    try {
      await zk.start();
      await quorum();
      const superPassword = ZK_TEST_AUTH[ZooKeeperAuthFile.AdminPassword];
      w = await ZooKeeperWriter.plain(zk.servers.join(","), superPassword, "/nfs-register");
      await writeThroughOutage(w);
      // Every member crashes; only the transaction logs and snapshots on NFS are left.
      await Promise.all([0, 1, 2].map((i) => zk.killMember(i)));
      for (const i of [0, 1, 2]) zk.startMember(i);
      await quorum();
      assert.deepStrictEqual(await w.lost(w.acked), [], "committed writes missing after every member restarted");
      console.log(`      ${w.acked.length} writes committed, ${w.refused} refused while the NFS server was down`);
    } finally {
      await w?.close();
      await zk.stop();
    }
  });
});
