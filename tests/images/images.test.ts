// Builds each image from the locally made base with a real Docker engine, runs it hardened the
// way the pods run it, gets real answers, and round-trips it through an htpasswd registry by digest.
import * as assert from "assert";
import * as fs from "fs";
import Redis from "ioredis";
import * as os from "os";
import * as path from "path";
import { RedisMode, redisConf, sentinelConf } from "../../components/specs/redis-conf";
import { zooCfg } from "../../components/specs/zoo-cfg";
import { LocalRegistry, RUN_LABEL, buildProductImage, cleanup, docker, network, requireDockerEngine } from "../support/docker";
import { freePort, run, waitFor } from "../support/processes";
import { connectRedis } from "../support/redis";

const PASSWORD = "client-password-for-tests";
const ADMIN = "admin-password-for-tests";

/** A directory with the files a pod would get from a ConfigMap or Secret, readable by uid 10001. */
function filesDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "img-"));
  fs.chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o444 });
  return dir;
}

/**
 * `docker run` with the pod's hardening: read-only root, no capabilities, no privilege gain, uid 10001.
 * /data is a named volume when `dataVolume` is given (it outlives the container, like a PV), else a tmpfs.
 */
function runHardened(image: string, name: string, net: string, mounts: Record<string, string>, env: Record<string, string>, extra: string[] = [], dataVolume?: string): Promise<string> {
  const data = dataVolume ? ["--mount", `type=volume,src=${dataVolume},dst=/data`] : ["--tmpfs", "/data:uid=10001"];
  return docker("run", "-d", "--name", name, "--hostname", name, "--network", net, "--label", RUN_LABEL,
    "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "10001:10001",
    "--tmpfs", "/tmp", "--tmpfs", "/run/app:uid=10001", ...data,
    ...Object.entries(mounts).flatMap(([dir, at]) => ["-v", `${dir}:${at}:ro`]),
    ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    ...extra, image);
}

function execIn(container: string, ...cmd: string[]) {
  return run("docker", ["exec", container, ...cmd]);
}

describe("images (real Docker engine)", function () {
  this.timeout(15 * 60 * 1000);
  const images: Record<string, string> = {};
  const auth = filesDir({ password: PASSWORD, "admin-password": ADMIN });

  before(async () => {
    await requireDockerEngine();
    images.redis = await buildProductImage("redis");
    images.zookeeper = await buildProductImage("zookeeper");
  });
  after(cleanup);

  describe("redis", () => {
    let net: string;
    before(async () => {
      net = await network(`redis-test-${process.pid}`);
    });

    it("serves authenticated clients, keeps admin commands from them, and persists with AOF", async () => {
      const port = await freePort();
      const conf = filesDir({ "redis.conf": redisConf({ mode: RedisMode.Standalone, maxmemory: "64mb", appendfsync: "always" }) });
      const name = `redis-${process.pid}`;
      // A named volume stands in for the PV: it must survive the container's restart.
      const volume = `redis-data-${process.pid}`;
      await runHardened(images.redis, name, net, { [auth]: "/etc/auth", [conf]: "/config" }, {}, ["-p", `127.0.0.1:${port}:6379`], volume);
      let client = await connectRedis(port, { password: PASSWORD });
      try {
        assert.strictEqual(await client.set("k", "v"), "OK");
        await assert.rejects(client.flushall(), /NOPERM/);
        await assert.rejects(client.config("GET", "appendonly"), /NOPERM/);
        // RESP2 and no ready check: ioredis 6 would otherwise send HELLO/INFO, refused before the GET under test.
        const anon = new Redis({ host: "127.0.0.1", port, lazyConnect: true, protocol: 2, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
        anon.on("error", () => undefined);
        await anon.connect();
        await assert.rejects(anon.get("k"), /NOAUTH/);
        anon.disconnect();
        const admin = await connectRedis(port, { username: "admin", password: ADMIN });
        assert.deepStrictEqual(await admin.config("GET", "appendonly"), ["appendonly", "yes"]);
        admin.disconnect();
      } finally {
        client.disconnect();
      }
      assert.strictEqual((await execIn(name, "redis-probe", "ready")).code, 0);
      // A new container on the same volume, as a rescheduled pod gets its PV back.
      await docker("rm", "-f", name);
      await runHardened(images.redis, name, net, { [auth]: "/etc/auth", [conf]: "/config" }, {}, ["-p", `127.0.0.1:${port}:6379`], volume);
      client = await connectRedis(port, { password: PASSWORD });
      try {
        assert.strictEqual(await client.get("k"), "v", "the key is replayed from the AOF after a restart");
      } finally {
        client.disconnect();
      }
    });

    it("keeps the password out of the server's command line", async () => {
      const cmdline = await execIn(`redis-${process.pid}`, "cat", "/proc/1/cmdline");
      assert.strictEqual(cmdline.code, 0);
      assert.ok(!cmdline.stdout.includes(PASSWORD) && !cmdline.stdout.includes(ADMIN), cmdline.stdout);
    });

    it("runs a Sentinel-managed master and replica and a sentinel that finds them by name", async () => {
      const data = filesDir({ "redis.conf": redisConf({ mode: RedisMode.SentinelData, maxmemory: "64mb", appendfsync: "everysec" }) });
      const sconf = filesDir({ "sentinel.conf": sentinelConf({ masterName: "mymaster", quorum: 1, downAfterMs: 2000, failoverTimeoutMs: 10000 }) });
      const env = { REDIS_MODE: "sentinel-data", MASTER_NAME: "mymaster", SENTINEL_HOST: "sentinel-0", DEFAULT_MASTER_HOST: "data-0" };
      await runHardened(images.redis, "data-0", net, { [auth]: "/etc/auth", [data]: "/config" }, env);
      await runHardened(images.redis, "data-1", net, { [auth]: "/etc/auth", [data]: "/config" }, env);
      await runHardened(images.redis, "sentinel-0", net, { [auth]: "/etc/auth", [sconf]: "/config" }, env, ["--entrypoint", "/usr/local/bin/sentinel-entrypoint"]);
      const cli = (container: string, port: string, ...args: string[]) =>
        run("docker", ["exec", "-e", `REDISCLI_AUTH=${PASSWORD}`, container, "redis-cli", "--no-auth-warning", "-p", port, ...args]);
      await waitFor("replica data-1 in sync with data-0", 30000, async () => {
        const info = (await cli("data-0", "6379", "INFO", "replication")).stdout;
        return /connected_slaves:1/.test(info) && /state=online/.test(info) ? true : undefined;
      });
      await waitFor("sentinel names data-0 as master", 30000, async () => {
        const r = await cli("sentinel-0", "26379", "SENTINEL", "get-master-addr-by-name", "mymaster");
        return r.stdout.split("\n")[0] === "data-0" ? true : undefined;
      });
      await waitFor("sentinel sees the replica", 30000, async () => {
        const r = await cli("sentinel-0", "26379", "SENTINEL", "replicas", "mymaster");
        return r.stdout.includes("data-1") ? true : undefined;
      });
      assert.match((await cli("sentinel-0", "26379", "SENTINEL", "ckquorum", "mymaster")).stdout, /^OK/);
      assert.strictEqual((await execIn("sentinel-0", "redis-probe", "ready", "26379")).code, 0);
    });

    it("starts a cluster node that announces its hostname", async () => {
      const conf = filesDir({ "redis.conf": redisConf({ mode: RedisMode.Cluster, maxmemory: "64mb", appendfsync: "everysec" }) });
      await runHardened(images.redis, "cluster-0", net, { [auth]: "/etc/auth", [conf]: "/config" }, { REDIS_MODE: "cluster", POD_DOMAIN: "example.test" });
      const r = await waitFor("cluster node", 20000, async () => {
        const out = await run("docker", ["exec", "-e", `REDISCLI_AUTH=${ADMIN}`, "cluster-0", "redis-cli", "--no-auth-warning", "--user", "admin", "CONFIG", "GET", "cluster-announce-hostname"]);
        return out.code === 0 && out.stdout.includes("cluster-0.example.test") ? out : undefined;
      });
      assert.match(r.stdout, /cluster-0\.example\.test/);
    });
  });

  describe("zookeeper", () => {
    it("forms a three-member ensemble with exactly one leader, and every probe passes", async () => {
      const net = await network(`zk-test-${process.pid}`);
      const names = [0, 1, 2].map((i) => `zk-${process.pid}-${i}`);
      const conf = filesDir({ "zoo.cfg": zooCfg({ tickTime: 2000, initLimit: 10, syncLimit: 5 }, names) });
      for (const n of names) await runHardened(images.zookeeper, n, net, { [conf]: "/config" }, { ZK_HEAP: "128m" });
      const modes = await waitFor("a quorum", 60000, async () => {
        const m = await Promise.all(names.map(async (n) => /^Mode: (\w+)$/m.exec((await execIn(n, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/2181; printf srvr >&3; cat <&3")).stdout)?.[1]));
        return m.every((x) => x === "leader" || x === "follower") ? m : undefined;
      });
      assert.strictEqual(modes.filter((m) => m === "leader").length, 1);
      for (const n of names) {
        assert.strictEqual((await execIn(n, "zk-probe", "ready")).code, 0, `${n} ready`);
        assert.strictEqual((await execIn(n, "zk-probe", "live")).code, 0, `${n} live`);
        assert.strictEqual((await execIn(n, "cat", "/data/myid")).stdout.trim(), String(names.indexOf(n) + 1));
      }
    });

    it("refuses a volume that belongs to another member", async () => {
      const data = fs.mkdtempSync(path.join(os.tmpdir(), "zkdata-"));
      fs.writeFileSync(path.join(data, "myid"), "3\n");
      fs.chmodSync(data, 0o777);
      const r = await run("docker", ["run", "--rm", "--label", RUN_LABEL, "--hostname", "zookeeper-0", "-v", `${data}:/data`, images.zookeeper]);
      assert.notStrictEqual(r.code, 0);
      assert.match(r.stderr, /\/data\/myid is 3 but this pod is member 1; the volume belongs to another member/);
    });
  });

  describe("registry round trip", () => {
    const registry = new LocalRegistry("robot-deployer", "registry-password-for-tests");
    before(() => registry.start());
    after(() => registry.stop());

    it("refuses an anonymous push, then pushes with credentials and pulls back by digest", async () => {
      const repo = `${registry.address}/middleware/redis`;
      const tag = `${repo}:${images.redis.split(":")[1]}`;
      await docker("tag", images.redis, tag);
      const anonymous = await run("docker", ["push", tag]);
      assert.notStrictEqual(anonymous.code, 0);
      assert.match(anonymous.stderr + anonymous.stdout, /no basic auth credentials|unauthorized/i);
      await registry.login();
      await docker("push", tag);
      const digestRef = (await docker("image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", tag)).split("\n").find((d) => d.startsWith(repo));
      assert.match(digestRef ?? "", /@sha256:[0-9a-f]{64}$/);
      await docker("rmi", tag);
      await docker("pull", digestRef!);
      const pulledId = await docker("image", "inspect", "--format", "{{.Id}}", digestRef!);
      assert.strictEqual(pulledId, await docker("image", "inspect", "--format", "{{.Id}}", images.redis));
      await registry.logout();
    });
  });
});
