// Builds each image from the locally made base with a real Docker engine, runs it hardened the
// way the pods run it, gets real answers, and round-trips it through an htpasswd registry by digest.
import * as assert from "assert";
import { X509Certificate, createHash } from "crypto";
import * as fs from "fs";
import Redis from "ioredis";
import * as os from "os";
import * as path from "path";
import { RedisConfArgs, RedisMode, redisConf, sentinelConf } from "../../components/redis/redis-conf";
import { zooCfg } from "../../components/zookeeper/zoo-cfg";
import { zkConnect } from "../../components/zookeeper/zookeeper-client";
import { openTlsRelay } from "../../components/provider-kit/client-tls";
import { tlsSecretFiles } from "../../components/tls/client-secret";
import { TestAuthority } from "../../harness/tls";
import {
  LocalRegistry,
  RUN_LABEL,
  buildProductImage,
  cleanup,
  docker,
  execIn,
  filesDir,
  network,
  requireDockerEngine,
  runHardened,
} from "../../harness/docker";
import { freePort, run, waitFor } from "../../harness/processes";
import { connectRedis } from "../../harness/redis";
import { ADMIN_PASSWORD, AUTH_FILES, CLIENT_PASSWORD, mountedAuth } from "../../harness/redis-auth";
import { SENTINEL_SENDS, redisServerSends } from "../../components/redis/redis-container";
import { ZK_TEST_AUTH } from "../../harness/zookeeper-servers";
import { alertRuleGroups } from "../../components/observability/alert-groups";
import { BLACKBOX_ADDRESS, TLS_PROBE_DIR, blackboxYaml } from "../../components/observability/tls-probes";
import {
  PROMETHEUS_CONFIG_DIR,
  PROMETHEUS_DATA_DIR,
  prometheusArgs,
  prometheusConfigFiles,
} from "../../components/observability/prometheus-config";
import { DEFAULT_CLIENT_ACL } from "../../components/config/defaults";
import { AuthFile } from "../../components/platform/auth-files";

const PASSWORD = CLIENT_PASSWORD;
const ADMIN = ADMIN_PASSWORD;
/** What a pod's Secret of a Sentinel workload holds: client, admin and the derived internal passwords. */
const EVERY_PASSWORD = Object.values(AUTH_FILES);

describe("images (real Docker engine)", function () {
  this.timeout(15 * 60 * 1000);
  const images: Record<string, string> = {};

  before(async () => {
    await requireDockerEngine();
    images.redis = await buildProductImage("redis");
    images.zookeeper = await buildProductImage("zookeeper");
  });
  after(cleanup);

  describe("redis", () => {
    /** The product's standalone redis.conf, everysec, with `extra` settings. */
    const standaloneConf = (extra: Partial<RedisConfArgs> = {}) =>
      redisConf({
        mode: RedisMode.Standalone,
        maxmemory: "64mb",
        appendfsync: "everysec",
        clientAcl: DEFAULT_CLIENT_ACL,
        ...extra,
      });
    let net: string;
    before(async () => {
      net = await network(`redis-test-${process.pid}`, true);
    });

    it("serves authenticated clients, keeps admin commands from them, and persists with AOF", async () => {
      const port = await freePort();
      const text = redisConf({
        mode: RedisMode.Standalone,
        maxmemory: "64mb",
        appendfsync: "always",
        clientAcl: DEFAULT_CLIENT_ACL,
      });
      const conf = filesDir({ "redis.conf": text });
      // Only what the program mounts in the container: no client or admin password, their hashes.
      const auth = filesDir(mountedAuth(text, redisServerSends(RedisMode.Standalone)));
      const name = `redis-${process.pid}`;
      // A named volume stands in for the PV: it must survive the container's restart.
      const volume = `redis-data-${process.pid}`;
      await runHardened(
        images.redis,
        name,
        net,
        { [auth]: "/etc/auth", [conf]: "/config" },
        {},
        ["-p", `127.0.0.1:${port}:6379`],
        volume,
      );
      let client = await connectRedis(port, { password: PASSWORD });
      try {
        assert.strictEqual(await client.set("k", "v"), "OK");
        await assert.rejects(client.flushall(), /NOPERM/);
        await assert.rejects(client.config("GET", "appendonly"), /NOPERM/);
        // What wipes, swaps or copies out the data set in bulk, or wipes scripts and functions.
        const refused: [string, ...string[]][] = [
          ["EVAL", "return redis.call('KEYS', '*')", "0"],
          ["KEYS", "*"],
          ["SWAPDB", "0", "1"],
          ["FUNCTION", "FLUSH"],
          ["SCRIPT", "FLUSH"],
          ["MIGRATE", "10.0.0.1", "6379", "k", "0", "1000"],
          ["RESTORE", "x", "0", "payload"],
          ["FLUSHDB"],
          ["DEBUG", "RELOAD"],
          ["PUBLISH", "__sentinel__:hello", "forged"],
          ["SUBSCRIBE", "__sentinel__:hello"],
          ["REPLICAOF", "10.0.0.1", "6379"],
          ["ACL", "SETUSER", "x", "on"],
        ];
        for (const [cmd, ...args] of refused) {
          await assert.rejects(
            client.call(cmd, ...args),
            /NOPERM|can't run this command|DEBUG command not allowed/,
            `${cmd} ${args.join(" ")} is refused to the client user`,
          );
        }
        // Scripting is off for clients unless the stack turns it on (clientScripting): one Lua bug is arbitrary commands.
        for (const [cmd, ...args] of [
          ["EVAL", "return 1", "0"],
          ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
          ["FCALL", "f", "0"],
          ["FUNCTION", "LIST"],
          ["SCRIPT", "LOAD", "return 1"],
        ] as [string, ...string[]][]) {
          await assert.rejects(client.call(cmd, ...args), /NOPERM/, `${cmd} is refused to the client user by default`);
        }
        assert.match(
          String(await client.info("replication")),
          /role:master/,
          "INFO stays available to client libraries",
        );
        // RESP2 and no ready check: ioredis 6 would otherwise send HELLO/INFO, refused before the GET under test.
        const anon = new Redis({
          host: "127.0.0.1",
          port,
          lazyConnect: true,
          protocol: 2,
          enableReadyCheck: false,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
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
      await runHardened(
        images.redis,
        name,
        net,
        { [auth]: "/etc/auth", [conf]: "/config" },
        {},
        ["-p", `127.0.0.1:${port}:6379`],
        volume,
      );
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

    it("runs the metrics sidecar beside the server as the program mounts it: the metrics password alone, nothing on argv", async () => {
      const text = standaloneConf({ metrics: true });
      const conf = filesDir({ "redis.conf": text });
      const serverAuth = filesDir(mountedAuth(text, redisServerSends(RedisMode.Standalone)));
      const sidecarAuth = filesDir({ [AuthFile.Metrics]: AUTH_FILES[AuthFile.Metrics] });
      const server = `redis-metrics-${process.pid}`;
      const metricsPort = await freePort();
      // The pod: the sidecar shares the server's network namespace and reads it over loopback.
      await runHardened(images.redis, server, net, { [serverAuth]: "/etc/auth", [conf]: "/config" }, {}, [
        "-p",
        `127.0.0.1:${metricsPort}:9121`,
      ]);
      const sidecar = `${server}-sidecar`;
      await runHardened(
        images.redis,
        sidecar,
        `container:${server}`,
        { [sidecarAuth]: "/etc/auth" },
        { REDIS_PORT: "6379", METRICS_LISTEN: ":9121" },
        ["--entrypoint", "/usr/local/bin/redis-metrics"],
      );
      const metrics = await waitFor("the sidecar's metrics", 30_000, async () => {
        const r = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) }).catch(
          () => undefined,
        );
        const body = r?.ok ? await r.text() : "";
        return /^redis_up 1$/m.test(body) ? body : undefined;
      });
      assert.match(metrics, /^redis_aof_enabled 1$/m);
      assert.match(metrics, /^redis_instance_info\{[^}]*redis_mode="standalone"[^}]*\} 1$/m);
      const cmdline = await execIn(sidecar, "cat", "/proc/1/cmdline");
      assert.match(cmdline.stdout, /prometheus-redis-exporter/);
      for (const secret of EVERY_PASSWORD)
        assert.ok(!cmdline.stdout.includes(secret) && !metrics.includes(secret), "a password on argv or served");
    });

    it("keeps probing with the password it started with when the mounted one changes", async () => {
      // The kubelet updates a mounted Secret in every pod at once; the servers keep the old password
      // until their pod rolls, so a probe reading the new file would fail them all together.
      const text = standaloneConf();
      const mounted = mountedAuth(text, redisServerSends(RedisMode.Standalone));
      const rotating = filesDir(mounted);
      fs.chmodSync(rotating, 0o777);
      const conf = filesDir({ "redis.conf": text });
      const name = `redis-rotating-${process.pid}`;
      await runHardened(images.redis, name, net, { [rotating]: "/etc/auth", [conf]: "/config" }, {});
      await waitFor("ready", 20000, async () =>
        (await execIn(name, "redis-probe", "ready")).code === 0 ? true : undefined,
      );
      for (const f of Object.keys(mounted)) {
        fs.rmSync(path.join(rotating, f));
        const value = `rotated-${f.replace(/\.sha256$/, "")}-value`;
        fs.writeFileSync(
          path.join(rotating, f),
          f.endsWith(".sha256") ? createHash("sha256").update(value).digest("hex") : value,
          { mode: 0o444 },
        );
      }
      assert.strictEqual((await execIn(name, "redis-probe", "ready")).code, 0, "ready after the Secret changed");
      assert.strictEqual((await execIn(name, "redis-probe", "live")).code, 0, "live after the Secret changed");
    });

    describe("Sentinel: master, replica and three sentinels under one pod domain", () => {
      const domain = "redis-sentinel-data-headless.test";
      const sdomain = "redis-sentinel-headless.test";
      const data = ["redis-sentinel-data-0", "redis-sentinel-data-1"];
      const sentinels = ["redis-sentinel-0", "redis-sentinel-1", "redis-sentinel-2"];
      const volume = (n: string) => `${n}-${process.pid}`;
      const dataText = redisConf({
        mode: RedisMode.SentinelData,
        maxmemory: "64mb",
        appendfsync: "everysec",
        clientAcl: DEFAULT_CLIENT_ACL,
      });
      const sentinelText = sentinelConf({
        masterName: "mymaster",
        quorum: 2,
        downAfterMs: 2000,
        failoverTimeoutMs: 10000,
      });
      const dataConf = filesDir({ "redis.conf": dataText });
      const sentinelConfDir = filesDir({ "sentinel.conf": sentinelText });
      // What each container mounts: the passwords it sends, hashes of the ones it checks.
      const dataAuth = filesDir(mountedAuth(dataText, redisServerSends(RedisMode.SentinelData)));
      const sentinelAuth = filesDir(mountedAuth(sentinelText, SENTINEL_SENDS));
      const env = (podDomain: string) => ({
        REDIS_MODE: "sentinel-data",
        MASTER_NAME: "mymaster",
        SENTINEL_HOST: "redis-sentinel",
        DEFAULT_MASTER_HOST: `${data[0]}.${domain}`,
        POD_DOMAIN: podDomain,
        SENTINEL_PEERS: sentinels.map((n) => `${n}.${sdomain}`).join(" "),
      });
      // Each container answers to its pod DNS name; the sentinels also to their client Service's name.
      // The set counts as formed (the program writes this marker once its first health assertion passed).
      const formed = filesDir({ formed: "yes" });
      const startData = (n: string) =>
        runHardened(
          images.redis,
          n,
          net,
          { [dataAuth]: "/etc/auth", [dataConf]: "/config", [formed]: "/etc/formation" },
          env(domain),
          ["--network-alias", `${n}.${domain}`],
          volume(n),
        );
      const startSentinel = (n: string) =>
        runHardened(
          images.redis,
          n,
          net,
          { [sentinelAuth]: "/etc/auth", [sentinelConfDir]: "/config" },
          env(sdomain),
          [
            "--network-alias",
            `${n}.${sdomain}`,
            "--network-alias",
            "redis-sentinel",
            "--entrypoint",
            "/usr/local/bin/sentinel-entrypoint",
          ],
          volume(n),
        );
      const cli = async (container: string, port: string, user: string, password: string, ...args: string[]) =>
        (
          await run("docker", [
            "exec",
            "-e",
            `REDISCLI_AUTH=${password}`,
            container,
            "redis-cli",
            "--no-auth-warning",
            "--user",
            user,
            "-p",
            port,
            ...args,
          ])
        ).stdout.trim();
      const client = (container: string, port: string, ...args: string[]) =>
        cli(container, port, "default", PASSWORD, ...args);
      const masterOf = async (s: string) =>
        (await client(s, "26379", "SENTINEL", "get-master-addr-by-name", "mymaster")).split("\n")[0];
      /** Every sentinel names one master and reaches `replicas` replicas it could promote: what the health assertion demands. */
      const healthy = (replicas: number) =>
        waitFor(`every sentinel to agree and reach ${replicas} replicas`, 60000, async () => {
          const masters = await Promise.all(sentinels.map((n) => masterOf(n).catch(() => "")));
          const views = await Promise.all(
            sentinels.map((n) => cli(n, "26379", "admin", ADMIN, "SENTINEL", "REPLICAS", "mymaster")),
          );
          const reachable = views.map(
            (v) => v.split("\n").filter((l, i, lines) => l === "flags" && lines[i + 1] === "slave").length,
          );
          if (!masters.every((m) => m && m === masters[0]) || !reachable.every((r) => r >= replicas)) return undefined;
          // And the master streams to each of them: a replica the sentinels list may still be in its
          // first sync (a deposed master rejoining), and would not acknowledge a WAIT yet.
          const info = await client(masters[0].split(".")[0], "6379", "INFO", "replication");
          return (info.match(/^slave\d+:.*state=online/gm) ?? []).length >= replicas ? true : undefined;
        });
      /** A container's address on the test network. */
      const ip = (n: string) =>
        docker("inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", n);

      /** The master, moved off pod 0 by a switchover if it is there (after any roll it is not pod 0). */
      const switchOverOffPod0 = async (): Promise<string> => {
        if ((await masterOf(sentinels[0])).split(".")[0] === data[0]) {
          await cli(sentinels[0], "26379", "admin", ADMIN, "SENTINEL", "FAILOVER", "mymaster");
          await waitFor("a switchover off pod 0", 30000, async () => {
            const names = (await Promise.all(sentinels.map(masterOf))).map((m) => m.split(".")[0]);
            return names.every((m) => m === names[0]) && names[0] !== data[0] ? true : undefined;
          });
        }
        return (await masterOf(sentinels[0])).split(".")[0];
      };
      /** The data pods' containers this suite runs now (a test may have added pod 2). */
      const dataContainers = async () =>
        (await docker("ps", "--format", "{{.Names}}", "--filter", `label=${RUN_LABEL}`))
          .split("\n")
          .filter((n) => /^redis-sentinel-data-\d$/.test(n));
      /** Sets a monitoring option of mymaster on every sentinel. */
      const setOnSentinels = (option: string, value: number) =>
        Promise.all(
          sentinels.map((s) => cli(s, "26379", "admin", ADMIN, "SENTINEL", "SET", "mymaster", option, String(value))),
        );
      /** Writes `<prefix>:<i>` through `writer` until stopped, keeping those a replica acknowledged (WAIT 1). */
      const writeAcknowledged = (writer: Redis, prefix: string) => {
        const acknowledged: string[] = [];
        let writing = true;
        const done = (async () => {
          for (let i = 0; writing; i++) {
            const ok = await writer.set(`${prefix}:${i}`, String(i)).catch(() => "");
            if (ok === "OK" && Number(await writer.call("WAIT", "1", "1000").catch(() => 0)) >= 1)
              acknowledged.push(`${prefix}:${i}`);
            else await new Promise((r) => setTimeout(r, 50));
          }
        })();
        return {
          acknowledged,
          stop: async () => {
            writing = false;
            await done;
          },
        };
      };
      /** Fails naming how many of the `acknowledged` keys the data pod `on` no longer holds. */
      const assertNoneLost = async (on: string, acknowledged: string[]) => {
        const reader = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(on));
        const values = acknowledged.length ? await reader.mget(...acknowledged) : [];
        reader.disconnect();
        const lost = acknowledged.filter((_, i) => values[i] === null);
        assert.deepStrictEqual(
          lost.slice(0, 5),
          [],
          `${lost.length} of ${acknowledged.length} WAIT-acknowledged writes lost`,
        );
      };
      /** Pod 0 falls behind: it is down while `key` is acknowledged (WAIT 1) by `master` and the other replica. */
      const writeWhilePod0Down = async (master: string, key: string) => {
        await docker("rm", "-f", data[0]);
        const writer = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(master));
        await waitFor("the master to take writes with one replica", 20000, async () =>
          (await writer.set(key, "kept").catch(() => "")) === "OK" ? true : undefined,
        );
        assert.ok(Number(await writer.call("WAIT", "1", "5000")) >= 1, "a replica acknowledged the write");
        writer.disconnect();
      };
      /** A container that holds `alias` on the network and answers nothing: a Service with no ready endpoint, a pod not serving yet. */
      const silentName = (name: string, alias: string) =>
        docker(
          "run",
          "-d",
          "--name",
          name,
          "--network",
          net,
          "--network-alias",
          alias,
          "--label",
          RUN_LABEL,
          "--entrypoint",
          "sleep",
          images.redis,
          "600",
        );

      before(async () => {
        for (const n of data) await startData(n);
        for (const n of sentinels) await startSentinel(n);
        await waitFor("replica in sync", 30000, async () =>
          /state=online/.test(await client(data[0], "6379", "INFO", "replication")) ? true : undefined,
        );
        await waitFor("three sentinels that know each other and the replica", 30000, async () => {
          const views = await Promise.all(sentinels.map((n) => client(n, "26379", "SENTINEL", "master", "mymaster")));
          return views.every((v) => /num-other-sentinels\n2\n/.test(v) && /num-slaves\n1\n/.test(v)) ? true : undefined;
        });
        // Ready, as the kubelet would wait for: the replica synced and the sentinels read that it may be promoted.
        await waitFor("the data pods ready", 60000, async () =>
          (await Promise.all(data.map((n) => execIn(n, "redis-probe", "ready")))).every((r) => r.code === 0)
            ? true
            : undefined,
        );
      });

      it("agrees on pod 0 as master and passes CKQUORUM and the probes", async () => {
        for (const n of sentinels) assert.strictEqual(await masterOf(n), `${data[0]}.${domain}`);
        assert.match(await client(sentinels[0], "26379", "SENTINEL", "ckquorum", "mymaster"), /^OK/);
        for (const n of sentinels) assert.strictEqual((await execIn(n, "redis-probe", "ready", "26379")).code, 0);
        for (const n of data) assert.strictEqual((await execIn(n, "redis-probe", "ready")).code, 0);
      });

      it("refuses every reconfiguration and the gossip channel to the client password", async () => {
        const onSentinel = [
          "SENTINEL SET mymaster quorum 1",
          "SENTINEL REMOVE mymaster",
          "SENTINEL MONITOR evil 10.0.0.1 6379 1",
          "SENTINEL RESET mymaster",
          "SENTINEL FLUSHCONFIG",
          "SENTINEL FAILOVER mymaster",
          "SENTINEL CONFIG GET resolve-hostnames",
          "SENTINEL CONFIG SET resolve-hostnames no",
          "SENTINEL SIMULATE-FAILURE crash-after-election",
          "SENTINEL DEBUG",
          "SENTINEL IS-MASTER-DOWN-BY-ADDR 10.0.0.1 6379 0 x",
          "ACL SETUSER evil on >x +@all",
          "ACL LIST",
          "CONFIG GET *",
          "CLIENT KILL TYPE normal",
          "SHUTDOWN",
          "PUBLISH __sentinel__:hello forged",
        ];
        for (const c of onSentinel)
          assert.match(
            await client(sentinels[0], "26379", ...c.split(" ")),
            /NOPERM|unknown command/,
            `sentinel: ${c}`,
          );
        // A forged hello naming another master, as the attack sends it, to the data master and to a sentinel.
        const hello = `10.9.9.9,26379,${"f".repeat(40)},999,mymaster,10.9.9.9,6379,999`;
        assert.match(await client(data[0], "6379", "PUBLISH", "__sentinel__:hello", hello), /NOPERM/);
        assert.match(await client(sentinels[1], "26379", "PUBLISH", "__sentinel__:hello", hello), /NOPERM/);
        assert.match(await client(data[0], "6379", "INFO", "replication"), /role:master/);
        for (const n of sentinels) assert.strictEqual(await masterOf(n), `${data[0]}.${domain}`);
        // The internal users are no way around it either.
        assert.match(
          await cli(
            sentinels[0],
            "26379",
            "discovery",
            AUTH_FILES["discovery-password"],
            "SENTINEL",
            "SET",
            "mymaster",
            "quorum",
            "1",
          ),
          /NOPERM/,
        );
        assert.match(
          await cli(
            sentinels[0],
            "26379",
            "sentinel-peer",
            AUTH_FILES["sentinel-peer-password"],
            "SENTINEL",
            "REMOVE",
            "mymaster",
          ),
          /NOPERM/,
        );
        assert.match(
          await cli(data[0], "6379", "replication", AUTH_FILES["replication-password"], "GET", "k"),
          /NOPERM/,
        );
        assert.match(await cli(data[0], "6379", "sentinel", AUTH_FILES["sentinel-password"], "GET", "k"), /NOPERM/);
      });

      it("fails over with its own users, keeps each sentinel's identity across a restart, and keeps no password on a volume", async () => {
        const idsBefore = await Promise.all(sentinels.map((n) => cli(n, "26379", "admin", ADMIN, "SENTINEL", "MYID")));
        await client(data[0], "6379", "SET", "survives", "failover");
        await docker("rm", "-f", data[0]);
        const promoted = `${data[1]}.${domain}`;
        await waitFor("the sentinels to promote the replica", 30000, async () =>
          (await Promise.all(sentinels.map(masterOf))).every((m) => m === promoted) ? true : undefined,
        );
        assert.match(await client(data[1], "6379", "INFO", "replication"), /role:master/);
        assert.strictEqual(await client(data[1], "6379", "GET", "survives"), "failover");
        // The old master comes back as a replica of the promoted one (it asks the sentinels first).
        await startData(data[0]);
        await waitFor("old master rejoins as replica", 30000, async () =>
          /role:slave/.test(await client(data[0], "6379", "INFO", "replication")) ? true : undefined,
        );
        // A restarted sentinel is the same sentinel: same id, the others still count two peers.
        await docker("rm", "-f", sentinels[2]);
        await startSentinel(sentinels[2]);
        await waitFor("restarted sentinel back", 20000, async () =>
          (await masterOf(sentinels[2])) === promoted ? true : undefined,
        );
        assert.deepStrictEqual(
          await Promise.all(sentinels.map((n) => cli(n, "26379", "admin", ADMIN, "SENTINEL", "MYID"))),
          idsBefore,
        );
        // Once the others have had its hello since it came back (a new identity would count as a third peer).
        const restarted = Date.now();
        await waitFor(`${sentinels[2]}'s hello heard by the others since its restart`, 20000, async () => {
          const heard = await Promise.all(
            sentinels.slice(0, 2).map(async (n) => {
              const lines = (await client(n, "26379", "SENTINEL", "sentinels", "mymaster")).split("\n");
              const at = lines.findIndex((l, i) => l === "runid" && lines[i + 1] === idsBefore[2]);
              const ago = at < 0 ? NaN : Number(lines[lines.indexOf("last-hello-message", at) + 1]);
              return ago < Date.now() - restarted;
            }),
          );
          return heard.every(Boolean) ? true : undefined;
        });
        for (const n of sentinels)
          assert.match(
            await client(n, "26379", "SENTINEL", "master", "mymaster"),
            /num-other-sentinels\n2\n/,
            `${n} counts two peers`,
          );
        // Every file on every volume, after config rewrites and a failover: no password, no hash of one.
        const sha = (x: string) => createHash("sha256").update(x).digest("hex");
        for (const n of [...data, ...sentinels]) {
          const files = await run("docker", [
            "run",
            "--rm",
            "--label",
            RUN_LABEL,
            "--mount",
            `type=volume,src=${volume(n)},dst=/v`,
            "--entrypoint",
            "sh",
            images.redis,
            "-c",
            // A file that vanished between find and cat (a rewrite's temp file) held nothing to check.
            'cd /v && for f in $(find . -type f); do echo "== $f"; cat "$f" || [ ! -e "$f" ] || exit 1; done',
          ]);
          assert.strictEqual(files.code, 0, files.stderr);
          for (const pw of EVERY_PASSWORD)
            assert.ok(
              !files.stdout.includes(pw) && !files.stdout.includes(sha(pw)),
              `a password from the auth Secret is on ${n}'s volume`,
            );
          if (sentinels.includes(n))
            assert.match(
              files.stdout,
              new RegExp(`sentinel monitor mymaster ${promoted.replace(/\./g, "\\.")} 6379 2`),
              `${n} keeps the master it follows`,
            );
        }
      });

      it("hands the master role to a replica before the master stops (preStop), losing no acknowledged write", async () => {
        await healthy(1);
        const oldMaster = (await masterOf(sentinels[0])).split(".")[0];
        // Two replicas: whichever the sentinels promote, the hook moves the other one too. The second
        // is what a roll leaves just before the master's turn: a pod restarted a moment ago with a new
        // address, Ready but still in its full sync, and down to the sentinels (they still dial the old
        // address), so their failover would leave it following the stopping master.
        const replicas = [data.find((d) => d !== oldMaster)!, "redis-sentinel-data-2"];
        const subnet = await docker("network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", net);
        const address = (host: number) => subnet.replace(/\.\d+\/\d+$/, `.${host}`);
        const startSecond = (host: number) =>
          runHardened(
            images.redis,
            replicas[1],
            net,
            { [dataAuth]: "/etc/auth", [dataConf]: "/config" },
            env(domain),
            ["--network-alias", `${replicas[1]}.${domain}`, "--ip", address(host)],
            volume(replicas[1]),
          );
        await startSecond(200);
        await waitFor("the sentinels to know the second replica", 30000, async () =>
          (await Promise.all(sentinels.map((n) => client(n, "26379", "SENTINEL", "replicas", "mymaster")))).every((v) =>
            v.includes(`${replicas[1]}.${domain}`),
          )
            ? true
            : undefined,
        );
        await docker("rm", "-f", replicas[1]);
        await startSecond(201);
        await waitFor(
          "the second replica connected again",
          30000,
          async () =>
            (await client(oldMaster, "6379", "INFO", "replication")).match(/^slave\d+:/gm)?.length === 2
              ? true
              : undefined,
          100,
        );
        const writer = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(oldMaster));
        const acknowledged: string[] = [];
        let refusal = "";
        let handedOver = false;
        const writes = (async () => {
          for (let i = 0; !refusal && !handedOver; i++) {
            try {
              await writer.set(`handover:${i}`, String(i));
              acknowledged.push(`handover:${i}`);
            } catch (e) {
              refusal = (e as Error).message;
            }
          }
        })();
        await waitFor("writes flowing", 10000, async () => (acknowledged.length > 50 ? true : undefined));
        // What the cluster DNS does for up to its cache time after a pod restarts: the stopping
        // master still resolves the second replica's name to the address it had before.
        const hosts = await docker("inspect", "--format", "{{.HostsPath}}", oldMaster);
        const fresh = fs.readFileSync(hosts, "utf8");
        fs.writeFileSync(hosts, `${fresh}${address(200)} ${replicas[1]}.${domain}\n`); // in place: the container bind-mounts this inode
        // A sentinel that learns of the failover late: paused until the hook says it waits for it.
        const late = sentinels[2];
        await docker("pause", late);
        let hookDone = false;
        const hook = execIn(oldMaster, "redis-handover").finally(() => (hookDone = true));
        // Past the hook's wait for the second replica's sync, then 2 s more before the DNS catches up.
        await waitFor(
          "the second replica in sync",
          30000,
          async () =>
            /^slave\d+:.*state=(?!online)/m.test(await client(oldMaster, "6379", "INFO", "replication"))
              ? undefined
              : true,
          200,
        );
        await new Promise((r) => setTimeout(r, 2000));
        fs.writeFileSync(hosts, fresh);
        const hookLines = async () => (await run("docker", ["logs", oldMaster])).stderr;
        await waitFor(`the hook to wait for ${late}`, 60000, async () =>
          hookDone || (await hookLines()).includes(`redis-handover: waiting for ${late}.`) ? true : undefined,
        );
        const returnedEarly = hookDone;
        await docker("unpause", late);
        assert.ok(
          !returnedEarly,
          `the hook returned while ${late} could not know of the failover: ${await hookLines()}`,
        );
        const handover = await hook;
        // What the sentinels name the moment the hook returns, when the kubelet stops the server.
        const namedAtStop = (await Promise.all(sentinels.map(masterOf))).map((m) => m.split(".")[0]);
        handedOver = true;
        await writes;
        writer.disconnect();
        assert.strictEqual(handover.code, 0, handover.stderr);
        const hookLog = (await run("docker", ["logs", oldMaster])).stderr;
        const handedTo = /redis-handover: handed the master role to ([a-z0-9-]+)\./.exec(hookLog)?.[1];
        assert.ok(
          handedTo && replicas.includes(handedTo),
          `the hook handed over to one of ${replicas.join(", ")} (log: ${handedTo})`,
        );
        // It waited, writes still flowing, until the DNS named the second replica at its new address.
        const dnsWait = Number(/DNS agreed after ([\d.]+) s/.exec(hookLog)?.[1]);
        assert.ok(
          dnsWait >= 1.5,
          `the hook waited for the DNS to catch up (log: ${hookLog
            .split("\n")
            .filter((l) => l.includes("redis-handover"))
            .join(" | ")})`,
        );
        // The write held during the handover is refused, never taken by a master that is going away.
        assert.match(refusal, /READONLY/);
        // The old master and the other replica follow the promoted one at once, not the stopping master.
        for (const n of [oldMaster, ...replicas.filter((r) => r !== handedTo)]) {
          assert.match(
            await client(n, "6379", "INFO", "replication"),
            new RegExp(`role:slave\\r?\\nmaster_host:${handedTo}\\.`),
            n,
          );
        }
        // And they are connected to it, not dialing an address the promoted pod no longer has.
        for (const n of [oldMaster, ...replicas.filter((r) => r !== handedTo)]) {
          await waitFor(
            `${n} linked to ${handedTo}`,
            10000,
            async () =>
              /master_link_status:up/.test(await client(n, "6379", "INFO", "replication")) ? true : undefined,
            200,
          );
        }
        // Every sentinel named the promoted replica by the time the hook returned: a sentinel still naming the stopped master would see it down and, with
        // one more as late, declare it objectively down and fail over a second time.
        assert.deepStrictEqual(
          namedAtStop,
          sentinels.map(() => handedTo),
          "what each sentinel named as master the moment the hook returned",
        );
        const promoted = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(handedTo!));
        const values = await promoted.mget(...acknowledged);
        promoted.disconnect();
        assert.deepStrictEqual(
          acknowledged.filter((_, i) => values[i] === null),
          [],
          "acknowledged writes missing on the promoted replica",
        );
        // On a replica the hook does nothing; and its user can neither reconfigure the sentinels nor read data.
        assert.strictEqual((await execIn(oldMaster, "redis-handover")).code, 0);
        assert.match(await client(oldMaster, "6379", "INFO", "replication"), /role:slave/);
        const handoverUser = (container: string, port: string, ...args: string[]) =>
          cli(container, port, "handover", AUTH_FILES["handover-password"], ...args);
        for (const c of [
          "SENTINEL SET mymaster quorum 1",
          "SENTINEL REMOVE mymaster",
          "SENTINEL RESET mymaster",
          "PUBLISH __sentinel__:hello x",
        ]) {
          assert.match(await handoverUser(sentinels[0], "26379", ...c.split(" ")), /NOPERM/, `sentinel: ${c}`);
        }
        for (const c of ["GET handover:1", "FLUSHALL", "CONFIG SET appendonly no", "ACL LIST"])
          assert.match(await handoverUser(handedTo!, "6379", ...c.split(" ")), /NOPERM/, `data: ${c}`);
      });

      it("keeps writes held to the end when the sentinel running its failover goes silent: a master being deposed acknowledges nothing more", async () => {
        await healthy(2);
        const master = (await masterOf(sentinels[0])).split(".")[0];
        const writer = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(master));
        const acknowledged: number[] = []; // when each write was acknowledged (ms)
        let stopWriting = false;
        const writes = (async () => {
          for (let i = 0; !stopWriting; i++) {
            try {
              await writer.set(`deposed:${i}`, String(i));
              acknowledged.push(Date.now());
            } catch {
              return;
            }
          }
        })();
        await waitFor("writes flowing", 10000, async () => (acknowledged.length > 50 ? true : undefined));
        const hookStart = Math.floor(Date.now() / 1000);
        const hook = execIn(master, "redis-handover");
        // The sentinel the hook asked (the first that can promote) freezes as its failover begins.
        await waitFor(
          "the hook's failover request",
          30000,
          async () =>
            (await run("docker", ["logs", "--since", String(hookStart), sentinels[0]])).stdout.includes(
              "Executing user requested FAILOVER",
            )
              ? true
              : undefined,
          20,
        );
        await docker("pause", sentinels[0]);
        try {
          const handover = await hook;
          const gaveUp = Date.now();
          assert.strictEqual(handover.code, 0, handover.stderr);
          assert.match((await run("docker", ["logs", master])).stderr, /named no new master in time/);
          // What the kubelet does once the hook returns: SIGTERM, after which writes would still be answered.
          await new Promise((r) => setTimeout(r, 1500));
          await docker("stop", "-t", "20", master);
          stopWriting = true;
          await writes;
          writer.disconnect();
          assert.strictEqual(
            acknowledged.filter((t) => t > gaveUp).length,
            0,
            "writes acknowledged by the master after its hook gave up its failover",
          );
        } finally {
          await docker("unpause", sentinels[0]).catch(() => "");
          await docker("start", master).catch(() => "");
        }
        await healthy(2);
      });

      it("never follows a master outside its own StatefulSet: it waits for a legitimate answer, saying why, and does not serve", async () => {
        // A sentinel that names a host outside the data pods' domain (what a forged hello would have caused).
        const rogue = `rogue-sentinel-${process.pid}`;
        const evil = `evil-${process.pid}`;
        await runHardened(
          images.redis,
          evil,
          net,
          { [dataAuth]: "/etc/auth", [dataConf]: "/config" },
          { REDIS_MODE: "standalone" },
          ["--network-alias", `${evil}.elsewhere.test`],
        );
        await runHardened(
          images.redis,
          rogue,
          net,
          { [sentinelAuth]: "/etc/auth", [sentinelConfDir]: "/config" },
          { ...env("rogue.test"), SENTINEL_HOST: "", DEFAULT_MASTER_HOST: `${evil}.elsewhere.test` },
          ["--entrypoint", "/usr/local/bin/sentinel-entrypoint"],
        );
        await waitFor("the rogue sentinel names its master", 20000, async () =>
          (await masterOf(rogue)) === `${evil}.elsewhere.test` ? true : undefined,
        );
        const n = `redis-sentinel-data-7-${process.pid}`;
        await runHardened(
          images.redis,
          n,
          net,
          { [dataAuth]: "/etc/auth", [dataConf]: "/config" },
          { ...env(domain), SENTINEL_HOST: rogue, SENTINEL_WAIT_SECONDS: "4" },
          [],
        );
        await waitFor("the data pod to give up", 30000, async () =>
          (await docker("inspect", "--format", "{{.State.Running}}", n)) === "false" ? true : undefined,
        );
        const logs = await run("docker", ["logs", n]);
        const log = logs.stdout + logs.stderr;
        assert.match(log, new RegExp(`ignoring master '${evil}\\.elsewhere\\.test' named by the sentinels`));
        assert.match(log, /no sentinel named the master within 4 s\. Not guessing/);
        assert.doesNotMatch(log, /Ready to accept connections/, "it never served");
      });

      it("comes back whole when every pod restarts at once after a switchover, the data pods before any sentinel answers", async () => {
        const all = [data[0], data[1], "redis-sentinel-data-2"];
        // A switchover moves the master off pod 0 (the handover above may have chosen pod 0 again).
        const master = await switchOverOffPod0();
        await writeWhilePod0Down(master, "after-switchover");
        // Power loss: every pod at once, volumes kept. The sentinels' Service still exists (it is an
        // object, not a pod): an address that answers nothing, as a Service with no ready endpoint.
        await Promise.all([...all, ...sentinels].map((n) => docker("rm", "-f", n).catch(() => "")));
        const service = `redis-sentinel-service-${process.pid}`;
        await silentName(service, "redis-sentinel");
        for (const n of all) await startData(n);
        await new Promise((r) => setTimeout(r, 6000));
        await docker("rm", "-f", service);
        for (const n of sentinels) await startSentinel(n);
        const want = `${master}.${domain}`;
        let named: string[] = [];
        await waitFor("the sentinels to agree on the master from before the restart", 60000, async () => {
          named = await Promise.all(sentinels.map((n) => masterOf(n).catch(() => "")));
          return named.every((m) => m === want) ? true : undefined;
        }).catch(async (e) => {
          const logs = await Promise.all(
            [...sentinels, ...all].map(
              async (n) =>
                `--- ${n}\n${(await run("docker", ["logs", n])).stdout.slice(-3000)}${(await run("docker", ["logs", n])).stderr.slice(-3000)}`,
            ),
          );
          throw new Error(`${e.message}; they name ${JSON.stringify(named)}, want ${want}\n${logs.join("\n")}`);
        });
        await waitFor("the data pods up", 60000, async () =>
          (await Promise.all(all.map((n) => execIn(n, "redis-probe", "ready")))).every((r) => r.code === 0)
            ? true
            : undefined,
        );
        // Before the fix pod 0, up first and unanswered, made itself master and the others full-synced
        // from its stale data: the write was gone from all three. With down-after at 2 s here, a slow
        // machine may see the sentinels fail over once the replicas have synced (a legitimate
        // failover, to a replica holding the write); whichever they then name must serve as master.
        let now = "";
        await waitFor("the master the sentinels agree on to serve as master", 30000, async () => {
          named = await Promise.all(sentinels.map((n) => masterOf(n).catch(() => "")));
          now = named[0].split(".")[0];
          const role = await client(now, "6379", "INFO", "replication").catch(() => "");
          return named.every((m) => m === named[0]) && /role:master/.test(role) ? true : undefined;
        });
        if (now !== master)
          console.log(`        (the sentinels failed over from ${master} to ${now} after the restart)`);
        for (const n of all) {
          // A replica resyncing after such a failover takes a full sync (repl-diskless-sync-delay 5 s included).
          await waitFor(`${n} holds the acknowledged write`, 60000, async () =>
            (await client(n, "6379", "GET", "after-switchover")) === "kept" ? true : undefined,
          ).catch(async (e: Error) => {
            const views = await Promise.all(
              all.map(
                async (d) =>
                  `--- ${d}: ${await client(d, "6379", "INFO", "replication").catch((x) => String(x))}\n${(await run("docker", ["logs", d])).stderr.slice(-4000)}`,
              ),
            );
            throw new Error(`${e.message}; the sentinels name ${named[0]}\n${views.join("\n")}`);
          });
        }
        assert.match(
          (await run("docker", ["logs", data[0]])).stderr,
          /no sentinel answers yet, and the sentinels are deployed or this volume holds data; waiting/,
        );
      });

      it("never promotes a replica that has not synced since it restarted: after a full restart with the master late, the stale one waits", async () => {
        const all = await dataContainers();
        await healthy(all.length - 1);
        const master = await switchOverOffPod0();
        const current = all.find((n) => n !== master && n !== data[0])!;
        await writeWhilePod0Down(master, "late-master");
        // Power loss. Stale pod 0 comes back first; the master's pod is scheduled but not serving yet
        // (its name resolves, nothing answers: a slow node, a long AOF load), the up-to-date replica later still.
        await Promise.all([...all, ...sentinels].map((n) => docker("rm", "-f", n).catch(() => "")));
        const late = `late-master-${process.pid}`;
        await silentName(late, `${master}.${domain}`);
        try {
          await startData(data[0]);
          for (const n of sentinels) await startSentinel(n);
          await waitFor("pod 0 to follow the master the sentinels name", 30000, async () =>
            /role:slave/.test(await client(data[0], "6379", "INFO", "replication").catch(() => "")) ? true : undefined,
          );
          // The sentinels see the master down and pod 0 as its replica: long enough for several failover attempts.
          await waitFor("the sentinels to see the master objectively down", 30000, async () =>
            /o_down/.test(await client(sentinels[0], "26379", "SENTINEL", "master", "mymaster")) ? true : undefined,
          );
          const want = `${master}.${domain}`;
          for (let t = 0; t < 15; t++) {
            // Before the fix they promoted pod 0 (its link never up, so never excluded), and the master full-synced from it.
            assert.deepStrictEqual(
              await Promise.all(sentinels.map(masterOf)),
              sentinels.map(() => want),
              `after ${t} s`,
            );
            await new Promise((r) => setTimeout(r, 1000));
          }
          assert.match(await client(data[0], "6379", "INFO", "replication"), /role:slave/);
          assert.notStrictEqual(
            (await execIn(data[0], "redis-probe", "ready")).code,
            0,
            "a replica that never synced is not ready",
          );
        } finally {
          await docker("rm", "-f", late);
        }
        await startData(master);
        await startData(current);
        // Ready only once a majority of the sentinels has read that it may be promoted: they refresh a
        // replica's INFO every 10 s, and a failover before that would find no replica to promote.
        await waitFor(`${current} ready`, 60000, async () =>
          (await execIn(current, "redis-probe", "ready")).code === 0 ? true : undefined,
        );
        const seeing = await Promise.all(
          sentinels.map(async (s) => {
            const lines = (await cli(s, "26379", "admin", ADMIN, "SENTINEL", "REPLICAS", "mymaster")).split("\n");
            const at = lines.findIndex((l, k) => k % 2 === 1 && l === `${current}.${domain}` && lines[k - 1] === "ip");
            if (at < 0) return false;
            const next = lines.indexOf("name", at);
            const record = lines.slice(at, next < 0 ? undefined : next);
            return record[record.indexOf("slave-priority") + 1] === "100";
          }),
        );
        assert.ok(
          seeing.filter(Boolean).length >= 2,
          `sentinels seeing ${current} as promotable when it is ready: ${seeing}`,
        );
        await healthy(all.length - 1);
        for (const n of all) {
          // A replica resyncing after such a failover takes a full sync (repl-diskless-sync-delay 5 s included).
          await waitFor(`${n} holds the acknowledged write`, 60000, async () =>
            (await client(n, "6379", "GET", "late-master")) === "kept" ? true : undefined,
          );
        }
        assert.strictEqual((await masterOf(sentinels[0])).split(".")[0], master);
      });

      it("lets a replica that cannot sync become promotable only when the operator says the master is lost for good", async () => {
        const n = `redis-sentinel-data-8-${process.pid}`;
        // Told to follow a master that never answers (a fresh volume, no sentinel: the default master).
        await runHardened(
          images.redis,
          n,
          net,
          { [dataAuth]: "/etc/auth", [dataConf]: "/config" },
          // No sentinel knows it: ready as soon as it is promotable.
          {
            ...env(domain),
            SENTINEL_HOST: "",
            SENTINEL_PEERS: "",
            DEFAULT_MASTER_HOST: `redis-sentinel-data-9.${domain}`,
          },
          ["--network-alias", `${n}.${domain}`],
        );
        const priority = async () =>
          (await cli(n, "6379", "admin", ADMIN, "CONFIG", "GET", "replica-priority")).split("\n")[1];
        await waitFor(`${n} serving`, 20000, async () => ((await priority()) !== undefined ? true : undefined));
        // It stays unpromotable while redis-promotable keeps looking (one INFO replication a pass):
        // two passes after it serves, beyond the INFO calls this wait makes itself.
        const infoCalls = async () =>
          Number(/cmdstat_info:calls=(\d+)/.exec(await cli(n, "6379", "admin", ADMIN, "INFO", "commandstats"))?.[1]);
        const before = await infoCalls();
        let asked = 1;
        await waitFor("redis-promotable to look twice", 20000, async () =>
          (await infoCalls()) - before - asked++ >= 2 ? true : undefined,
        );
        assert.strictEqual(await priority(), "0");
        assert.notStrictEqual((await execIn(n, "redis-probe", "ready")).code, 0);
        assert.strictEqual((await execIn(n, "touch", "/run/app/promote-unsynced")).code, 0);
        await waitFor("the configured priority back", 10000, async () =>
          (await priority()) === "100" ? true : undefined,
        );
        assert.strictEqual(
          (await execIn(n, "test", "-e", "/run/app/unsynced")).code,
          1,
          "the readiness marker is gone",
        );
        const log = (await run("docker", ["logs", n])).stderr;
        assert.match(log, /replica-priority 0 until this replica has synced with its master/);
        assert.match(log, /the operator asked \(\/run\/app\/promote-unsynced\): replica-priority 100/);
        // The start's own user is no way in for anyone else: it has a password nobody was given.
        const guess = await run("docker", [
          "exec",
          "-e",
          `REDISCLI_AUTH=${PASSWORD}`,
          n,
          "redis-cli",
          "--no-auth-warning",
          "--user",
          "promotion",
          "CONFIG",
          "SET",
          "replica-priority",
          "0",
        ]);
        assert.match(guess.stdout + guess.stderr, /WRONGPASS/);
        assert.strictEqual(await priority(), "100");
        await docker("rm", "-f", n);
      });

      it("waits for the sentinels when its volume holds data, even before their Service resolves (destroy, then up on kept volumes)", async () => {
        const all = await dataContainers();
        const master = (await masterOf(sentinels[0])).split(".")[0];
        const writer = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(master));
        await writer.set("before-destroy", "kept");
        assert.strictEqual(Number(await writer.call("WAIT", String(all.length - 1), "5000")), all.length - 1);
        writer.disconnect();
        // destroy: every pod and Service gone, volumes kept; up: the data pods start first, no sentinel name resolves.
        await Promise.all([...all, ...sentinels].map((n) => docker("rm", "-f", n)));
        for (const n of all) await startData(n);
        await new Promise((r) => setTimeout(r, 6000));
        // Before the fix pod 0 made itself master at once, whatever the sentinels had recorded.
        for (const n of all)
          assert.notStrictEqual(
            (await execIn(n, "redis-probe", "ready")).code,
            0,
            `${n} serves before any sentinel answers`,
          );
        for (const n of sentinels) await startSentinel(n);
        const want = `${master}.${domain}`;
        await waitFor("the sentinels to agree on the master they recorded", 60000, async () =>
          (await Promise.all(sentinels.map((n) => masterOf(n).catch(() => "")))).every((m) => m === want)
            ? true
            : undefined,
        );
        await waitFor("the data pods up", 90000, async () =>
          (await Promise.all(all.map((n) => execIn(n, "redis-probe", "ready")))).every((r) => r.code === 0)
            ? true
            : undefined,
        );
        assert.match(await client(master, "6379", "INFO", "replication"), /role:master/);
        for (const n of all) assert.strictEqual(await client(n, "6379", "GET", "before-destroy"), "kept", n);
      });

      it("still knows the replicas when every sentinel restarts while the master hangs, and fails over to one", async () => {
        const all = await dataContainers();
        await healthy(all.length - 1);
        const master = (await masterOf(sentinels[0])).split(".")[0];
        const writer = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(master));
        await writer.set("before-the-hang", "kept");
        assert.strictEqual(Number(await writer.call("WAIT", String(all.length - 1), "5000")), all.length - 1);
        writer.disconnect();
        // The node under the master and the sentinels reboots: the master's pod hangs (its name
        // still resolves, nothing answers), the sentinels come back first. A sentinel learns
        // replicas and peers from the master, so only what it kept on its volume can find them.
        await docker("pause", master);
        try {
          await Promise.all(sentinels.map((n) => docker("rm", "-f", n)));
          for (const n of sentinels) await startSentinel(n);
          // Before the fix they forgot the replicas and each other: +sdown for ever, no failover.
          await waitFor("the sentinels to fail over to a replica", 60000, async () => {
            const names = (await Promise.all(sentinels.map((n) => masterOf(n).catch(() => "")))).map(
              (m) => m.split(".")[0],
            );
            return names.every((m) => m === names[0]) && names[0] && names[0] !== master ? true : undefined;
          });
        } finally {
          await docker("unpause", master);
        }
        const promoted = (await masterOf(sentinels[0])).split(".")[0];
        assert.strictEqual(await client(promoted, "6379", "GET", "before-the-hang"), "kept");
        await waitFor("the old master to rejoin as a replica", 60000, async () =>
          /role:slave/.test(await client(master, "6379", "INFO", "replication")) ? true : undefined,
        );
        await healthy(all.length - 1);
      });

      it("does not serve a master's empty volume while the sentinels still name it: it waits for the failover and no acknowledged write is lost", async () => {
        const all = await dataContainers();
        await healthy(all.length - 1);
        const master = (await masterOf(sentinels[0])).split(".")[0];
        const writer = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(master));
        for (let i = 0; i < 200; i++) await writer.set(`empty-volume:${i}`, String(i));
        assert.strictEqual(
          Number(await writer.call("WAIT", String(all.length - 1), "5000")),
          all.length - 1,
          "every replica acknowledged every write",
        );
        writer.disconnect();
        // A lost PV comes back empty within down-after (10 s here, 30 s by default): the sentinels
        // never saw the master down and still name it.
        const setDownAfter = (ms: number) => setOnSentinels("down-after-milliseconds", ms);
        await setDownAfter(10000);
        try {
          await docker("rm", "-f", master);
          await docker("volume", "rm", volume(master));
          await startData(master);
          await waitFor("the sentinels to fail over to a replica", 60000, async () => {
            const names = (await Promise.all(sentinels.map(masterOf))).map((m) => m.split(".")[0]);
            return names.every((m) => m === names[0]) && names[0] !== master ? true : undefined;
          }).catch(async (e: Error) => {
            const logs = await Promise.all(
              [master, ...sentinels].map(
                async (n) =>
                  `--- ${n}\n${(await run("docker", ["logs", "--tail", "80", n])).stderr}${(await run("docker", ["logs", "--tail", "80", n])).stdout}`,
              ),
            );
            const views = await Promise.all(
              sentinels.map(
                async (s) =>
                  `--- ${s} SENTINEL REPLICAS\n${await cli(s, "26379", "admin", ADMIN, "SENTINEL", "REPLICAS", "mymaster").catch((x) => String(x))}`,
              ),
            );
            const replicas = await Promise.all(
              all
                .filter((n) => n !== master)
                .map(
                  async (n) =>
                    `--- ${n} INFO replication\n${await client(n, "6379", "INFO", "replication").catch((x) => String(x))}`,
                ),
            );
            throw new Error(`${e.message}\n${[...views, ...replicas, ...logs].join("\n")}`);
          });
        } finally {
          await setDownAfter(2000);
        }
        await waitFor("every data pod up", 60000, async () =>
          (await Promise.all(all.map((n) => execIn(n, "redis-probe", "ready")))).every((r) => r.code === 0)
            ? true
            : undefined,
        );
        // Before the fix the empty pod served as master at once and both replicas synced the empty set.
        for (const n of all) {
          await waitFor(`${n} holds all 200 acknowledged writes`, 30000, async () =>
            Number(await client(n, "6379", "DBSIZE")) >= 200 &&
            (await client(n, "6379", "GET", "empty-volume:199")) === "199"
              ? true
              : undefined,
          );
        }
        const log = (await run("docker", ["logs", master])).stderr;
        assert.match(log, /REFUSING TO SERVE: the sentinels name this pod .* master but its volume holds no data/);
        assert.match(log, /the sentinels failed over to .*; joining it as a replica/);
        assert.match(await client(master, "6379", "INFO", "replication"), /role:slave/);
      });

      it("takes no write when it restarts as master while the sentinels fail it over: it waits for their word and no acknowledged write is lost", async () => {
        const all = await dataContainers();
        await healthy(all.length - 1);
        const master = (await masterOf(sentinels[0])).split(".")[0];
        const setFailoverTimeout = (ms: number) => setOnSentinels("failover-timeout", ms);
        // The promotion the sentinels start stays pending as long as the replica they chose hangs (a
        // slow node, a pod the roll is stopping): the window in which the old master may come back.
        const watchers = await Promise.all(
          sentinels.map(async (s) => connectRedis(26379, { username: "admin", password: ADMIN }, 20000, await ip(s))),
        );
        const chosen = new Promise<string>((resolve) =>
          watchers.forEach((w) => {
            w.on("message", (_channel: string, message: string) => resolve(message.split(" ")[1].split(".")[0]));
            void w.subscribe("+selected-slave");
          }),
        );
        let writes: ReturnType<typeof writeAcknowledged> | undefined;
        let writer: Redis | undefined;
        let selected = "";
        await setFailoverTimeout(60000);
        try {
          await docker("rm", "-f", master);
          selected = await Promise.race([
            chosen,
            new Promise<string>((_, reject) =>
              setTimeout(() => reject(new Error("no sentinel selected a replica within 30 s")), 30000).unref(),
            ),
          ]);
          await docker("pause", selected);
          // The master's pod is back on its volume while the failover is still under way.
          await startData(master);
          writer = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(master));
          writes = writeAcknowledged(writer, "restarted-master");
          // Long enough for the other replica to follow the restarted master and acknowledge its writes.
          await new Promise((r) => setTimeout(r, 6000));
        } finally {
          if (selected) await docker("unpause", selected);
          watchers.forEach((w) => w.disconnect());
        }
        try {
          await waitFor("the sentinels to finish the failover to the replica they chose", 60000, async () =>
            (await Promise.all(sentinels.map(masterOf))).every((m) => m === `${selected}.${domain}`) ? true : undefined,
          );
          await waitFor("the sentinels to make the restarted master a replica", 60000, async () =>
            /role:slave/.test(await client(master, "6379", "INFO", "replication")) ? true : undefined,
          );
        } finally {
          await writes?.stop();
          writer?.disconnect();
          await setFailoverTimeout(10000);
        }
        await healthy(all.length - 1);
        // Before the fix the restarted master served at once: its writes, acknowledged by the replica
        // following it, were discarded when the sentinels converted both to the promoted one.
        await assertNoneLost(selected, writes?.acknowledged ?? []);
        const promoted = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(selected));
        await promoted.set("after-the-failover", "kept");
        assert.strictEqual(Number(await promoted.call("WAIT", String(all.length - 1), "5000")), all.length - 1);
        promoted.disconnect();
        assert.match(
          (await run("docker", ["logs", master])).stderr,
          /refuses writes until the sentinels confirm it as master/,
        );
      });

      it("leaves a deposed master no replica the sentinels could not move, so it refuses writes when it comes back", async () => {
        const all = await dataContainers();
        await healthy(all.length - 1);
        const master = (await masterOf(sentinels[0])).split(".")[0];
        const [seen, hidden] = all.filter((n) => n !== master);
        // Each data pod's sidecar, sharing its network as a pod's containers do, with only the password it uses.
        const follower = filesDir({ "handover-password": AUTH_FILES["handover-password"] });
        for (const n of all) {
          await docker(
            "run",
            "-d",
            "--name",
            `${n}-follower`,
            "--network",
            `container:${n}`,
            "--label",
            RUN_LABEL,
            "--read-only",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
            "--user",
            "10001:10001",
            "--tmpfs",
            "/tmp",
            "-v",
            `${follower}:/etc/auth:ro`,
            ...Object.entries(env(domain)).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
            "--entrypoint",
            "/usr/local/bin/redis-follow-sentinels",
            images.redis,
          );
        }
        // A pod restarted a moment ago: the sentinels' DNS still gives its old address, so they cannot
        // reach it to move it, while it replicates from the master like any replica.
        const subnet = await docker("network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", net);
        const stale = subnet.replace(/\.\d+\/\d+$/, ".250");
        const hostsFiles = await Promise.all(sentinels.map((s) => docker("inspect", "--format", "{{.HostsPath}}", s)));
        const fresh = hostsFiles.map((h) => fs.readFileSync(h, "utf8"));
        hostsFiles.forEach((h, i) => fs.writeFileSync(h, `${fresh[i]}${stale} ${hidden}.${domain}\n`));
        const writer = await connectRedis(6379, { password: PASSWORD }, 20000, await ip(master));
        let writes: ReturnType<typeof writeAcknowledged> | undefined;
        try {
          await cli(hidden, "6379", "admin", ADMIN, "CLIENT", "KILL", "USER", "sentinel");
          await waitFor("the sentinels to lose the replica", 30000, async () => {
            const views = await Promise.all(
              sentinels.map((n) => cli(n, "26379", "admin", ADMIN, "SENTINEL", "REPLICAS", "mymaster")),
            );
            return views.every((v) =>
              v
                .split("\n")
                .some(
                  (l, i, lines) =>
                    l === `${hidden}.${domain}` && /disconnected|s_down/.test(lines.slice(i, i + 12).join(" ")),
                ),
            )
              ? true
              : undefined;
          });
          writes = writeAcknowledged(writer, "deposed");
          const acknowledged = writes.acknowledged;
          await waitFor("writes acknowledged", 10000, async () => (acknowledged.length > 20 ? true : undefined));
          // The master hangs past down-after; the sentinels promote the replica they see.
          await docker("pause", master);
          try {
            await waitFor("the sentinels to promote the replica they reach", 30000, async () =>
              (await Promise.all(sentinels.map(masterOf))).every((m) => m === `${seen}.${domain}`) ? true : undefined,
            );
            // The fault's length, not a wait: it hangs 3 s past its replacement.
            await new Promise((r) => setTimeout(r, 3000));
          } finally {
            await docker("unpause", master);
          }
          // Back, it still thinks it is master until the sentinels convert it (about 10 s): every write it takes then is discarded.
          await waitFor("the sentinels to convert the deposed master", 60000, async () =>
            /role:slave/.test(await client(master, "6379", "INFO", "replication")) ? true : undefined,
          );
        } finally {
          await writes?.stop();
          writer.disconnect();
          hostsFiles.forEach((h, i) => fs.writeFileSync(h, fresh[i]));
        }
        // Before the sidecar: the hidden replica stayed with the deposed master and acknowledged its writes.
        await assertNoneLost(seen, writes?.acknowledged ?? []);
        assert.match(
          (await run("docker", ["logs", `${hidden}-follower`])).stderr,
          new RegExp(`the sentinels now name ${seen}\\.${domain.replace(/\./g, "\\.")} master`),
        );
        // With the DNS right again the sentinels see it again, at the new master.
        await healthy(all.length - 1);
      });

      it("serves an empty volume only when the operator says every copy is lost", async () => {
        const r = await execIn(
          data[0],
          "bash",
          "-c",
          [
            ". /usr/local/bin/redis-common.sh",
            "export SENTINEL_HOST= SENTINEL_WAIT_SECONDS=3",
            "await_failover_from_empty me.test 2>&1 | tail -n1",
            "touch $RUN_DIR/accept-empty-data",
            "await_failover_from_empty me.test 2>/dev/null; rm $RUN_DIR/accept-empty-data",
          ].join("; "),
        );
        assert.match(
          r.stdout,
          /no replica could take over\. Not serving an empty data set .*touch \/run\/app\/accept-empty-data/,
        );
        assert.match(r.stdout.trim().split("\n").pop() ?? "", /^me\.test$/);
      });
    });

    it("stops the role-label sidecar at once on SIGTERM, as PID 1 of its container", async () => {
      const sa = filesDir({ namespace: "test", token: "not-a-token", "ca.crt": "" });
      const name = `role-label-${process.pid}`;
      await docker(
        "run",
        "-d",
        "--name",
        name,
        "--label",
        RUN_LABEL,
        "--network",
        net,
        "--read-only",
        "--tmpfs",
        "/tmp",
        "--user",
        "10001:10001",
        "-v",
        `${sa}:/var/run/secrets/kubernetes.io/serviceaccount:ro`,
        "-e",
        "KUBERNETES_SERVICE_HOST=127.0.0.1",
        "-e",
        "KUBERNETES_SERVICE_PORT=9",
        "--entrypoint",
        "/usr/local/bin/redis-role-label",
        images.redis,
      );
      await waitFor("its first beat", 20000, async () =>
        (await execIn(name, "/usr/local/bin/redis-role-label", "--check")).code === 0 ? true : undefined,
      );
      const t0 = Date.now();
      await docker("stop", "-t", "30", name);
      // Before the trap it ignored SIGTERM and was killed after the full timeout (in a pod: the 65 s grace period).
      assert.ok(Date.now() - t0 < 5000, `stopped after ${Date.now() - t0} ms`);
    });

    it("starts a cluster node that announces its hostname", async () => {
      const text = redisConf({
        mode: RedisMode.Cluster,
        maxmemory: "64mb",
        appendfsync: "everysec",
        clientAcl: DEFAULT_CLIENT_ACL,
      });
      const conf = filesDir({ "redis.conf": text });
      const auth = filesDir(mountedAuth(text, redisServerSends(RedisMode.Cluster)));
      await runHardened(
        images.redis,
        "cluster-0",
        net,
        { [auth]: "/etc/auth", [conf]: "/config" },
        { REDIS_MODE: "cluster", POD_DOMAIN: "example.test" },
      );
      const r = await waitFor("cluster node", 20000, async () => {
        const out = await run("docker", [
          "exec",
          "-e",
          `REDISCLI_AUTH=${ADMIN}`,
          "cluster-0",
          "redis-cli",
          "--no-auth-warning",
          "--user",
          "admin",
          "CONFIG",
          "GET",
          "cluster-announce-hostname",
        ]);
        return out.code === 0 && out.stdout.includes("cluster-0.example.test") ? out : undefined;
      });
      assert.match(r.stdout, /cluster-0\.example\.test/);
    });
  });

  describe("prometheus", () => {
    it("runs as the program runs it: ready on the product's configuration and flags, every alert rule loaded, its targets scraped", async () => {
      const image = await buildProductImage("prometheus");
      const net = await network(`prometheus-test-${process.pid}`);
      const name = `prometheus-${process.pid}`;
      const port = await freePort();
      // Its one target is itself, by the address the configuration gives it.
      const files = prometheusConfigFiles({
        namespace: "ns",
        interval: "5s",
        targets: [{ pod: "self", address: "127.0.0.1:9090" }],
        tlsTargets: [],
        certificateDays: { renewBeforeDays: 30, minValidDays: 7 },
      });
      await runHardened(
        image,
        name,
        net,
        { [filesDir(files)]: "/config" },
        {},
        ["--tmpfs", `${PROMETHEUS_DATA_DIR}:uid=10001`, "-p", `127.0.0.1:${port}:9090`],
        undefined,
        prometheusArgs("1d"),
      );
      const api = async (p: string) => {
        const r = await fetch(`http://127.0.0.1:${port}/api/v1/${p}`, { signal: AbortSignal.timeout(5000) });
        return ((await r.json()) as any).data;
      };
      const target = await waitFor("its target scraped", 60_000, async () => {
        const t = (await api("targets").catch(() => undefined))?.activeTargets?.[0];
        return t?.health === "up" ? t : undefined;
      });
      assert.deepStrictEqual([target.labels.pod, target.labels.namespace], ["self", "ns"]);
      const loaded = (await api("rules")).groups.flatMap((g: any) => g.rules.map((r: any) => r.name));
      assert.deepStrictEqual(
        loaded.sort(),
        alertRuleGroups()
          .flatMap((g) => g.rules.map((r) => r.alert))
          .sort(),
      );
      // Nothing the program did not ask for: the flags it runs with are exactly the program's.
      const cmdline = (await execIn(name, "cat", "/proc/1/cmdline")).stdout.split("\0").filter(Boolean);
      assert.deepStrictEqual(cmdline, ["/usr/bin/prometheus", ...prometheusArgs("1d")]);
    });

    it("probes a TLS Redis as the program does: the served certificate's expiry, and a refusal seen past the handshake", async () => {
      const image = await buildProductImage("prometheus");
      const net = await network(`probe-test-${process.pid}`);
      const authority = new TestAuthority("probed");
      const other = new TestAuthority("other");
      try {
        const served = authority.issue("redis-0", 40);
        const text = redisConf({
          mode: RedisMode.Standalone,
          maxmemory: "64mb",
          appendfsync: "everysec",
          clientAcl: DEFAULT_CLIENT_ACL,
          tls: { plaintextPort: false },
        });
        const redis = `probed-redis-${process.pid}`;
        await runHardened(
          images.redis,
          redis,
          net,
          {
            [filesDir({ "redis.conf": text })]: "/config",
            [filesDir(mountedAuth(text, redisServerSends(RedisMode.Standalone)))]: "/etc/auth",
            [filesDir(tlsSecretFiles(served.pem))]: "/etc/tls",
          },
          {},
        );
        // The exporter shares the server's network namespace (as it shares Prometheus's pod), so
        // the certificate's name, localhost, is the target's. "stranger" verifies the server with the
        // right authority but presents a certificate of another: with TLS 1.3 its handshake completes
        // before the server refuses it, so only the question after it can fail.
        const targets = [
          { pod: "redis-0", address: "localhost:6379", authority: "probed", protocol: "redis" as const },
          { pod: "redis-0", address: "localhost:6379", authority: "stranger", protocol: "redis" as const },
        ];
        const stranger = other.issue("stranger client").pem;
        const blackbox = `blackbox-${process.pid}`;
        await runHardened(
          image,
          blackbox,
          `container:${redis}`,
          {
            [filesDir({ "blackbox.yml": blackboxYaml(targets) })]: PROMETHEUS_CONFIG_DIR,
            [filesDir(tlsSecretFiles(authority.issue("probe client").pem))]: `${TLS_PROBE_DIR}/probed`,
            [filesDir(tlsSecretFiles({ ...stranger, ca: served.pem.ca }))]: `${TLS_PROBE_DIR}/stranger`,
          },
          {},
          ["--entrypoint", "/usr/bin/prometheus-blackbox-exporter"],
          undefined,
          [`--config.file=${PROMETHEUS_CONFIG_DIR}/blackbox.yml`, `--web.listen-address=${BLACKBOX_ADDRESS}`],
        );
        const probe = async (module: string): Promise<Record<string, number>> => {
          const [host, port] = BLACKBOX_ADDRESS.split(":");
          const request = `GET /probe?module=${module}&target=localhost:6379 HTTP/1.0\\r\\n\\r\\n`;
          const r = await execIn(
            blackbox,
            "bash",
            "-c",
            `exec 3<>/dev/tcp/${host}/${port}; printf '${request}' >&3; cat <&3`,
          );
          const samples = r.stdout.split("\n").filter((l) => /^probe_\w+ /.test(l));
          return Object.fromEntries(samples.map((l) => [l.split(" ")[0], Number(l.split(" ")[1])]));
        };
        const ok = await waitFor("a probe of the server", 30_000, async () => {
          const m = await probe("redis-probed").catch(() => undefined);
          return m?.probe_success === 1 ? m : undefined;
        });
        // The earliest of what the server sends: its certificate and, as OpenSSL completes the chain
        // from its trust store, the authority's (this test authority lives 30 days, the leaf 40).
        const until = (pem: string) => Date.parse(new X509Certificate(pem).validTo) / 1000;
        assert.strictEqual(
          ok.probe_ssl_earliest_cert_expiry,
          Math.min(until(served.pem.cert), until(served.pem.ca)),
          `certificate until ${until(served.pem.cert)}, authority until ${until(served.pem.ca)}`,
        );
        const refused = await probe("redis-stranger");
        assert.strictEqual(refused.probe_success, 0, JSON.stringify(refused));
      } finally {
        [authority, other].forEach((a) => a.remove());
      }
    });
  });

  describe("zookeeper", () => {
    // The product's zoo.cfg speaks TLS on the client port and the quorum; the pods mount the
    // <workload>-tls Secret at /etc/tls, which these containers get the same way.
    const authority = new TestAuthority("zookeeper");
    after(() => authority.remove());
    const zooCfgTls = (names: string[]) =>
      zooCfg({ tickTime: 2000, initLimit: 10, syncLimit: 5 }, names, { plaintextPort: false });
    const tlsMount = () => filesDir(tlsSecretFiles(authority.issue().pem));
    /** The image started as zookeeper-0 (member 1) with `volumes` (docker -v specs), to see it refuse. */
    const startAsMember1 = (...volumes: string[]) =>
      run("docker", [
        "run",
        "--rm",
        "--label",
        RUN_LABEL,
        "--hostname",
        "zookeeper-0",
        ...volumes.flatMap((v) => ["-v", v]),
        images.zookeeper,
      ]);

    it("forms an authenticated ensemble over TLS with one leader, closes the root znode, keeps passwords off argv and the volume", async () => {
      const net = await network(`zk-test-${process.pid}`);
      const names = [0, 1, 2].map((i) => `zk-${process.pid}-${i}`);
      const conf = filesDir({ "zoo.cfg": zooCfgTls(names) });
      const auth = filesDir(ZK_TEST_AUTH);
      const tls = tlsMount();
      for (const n of names)
        await runHardened(
          images.zookeeper,
          n,
          net,
          { [conf]: "/config", [auth]: "/etc/auth", [tls]: "/etc/tls" },
          { ZK_HEAP: "128m" },
        );
      const modes = await waitFor("a quorum", 60000, async () => {
        const m = await Promise.all(
          names.map(async (n) => /^Mode: (\w+)$/m.exec((await execIn(n, "zk-4lw", "127.0.0.1", "srvr")).stdout)?.[1]),
        );
        return m.every((x) => x === "leader" || x === "follower") ? m : undefined;
      });
      assert.strictEqual(modes.filter((m) => m === "leader").length, 1);
      for (const n of names) {
        assert.strictEqual((await execIn(n, "zk-probe", "ready")).code, 0, `${n} ready`);
        assert.strictEqual((await execIn(n, "zk-probe", "live")).code, 0, `${n} live`);
        assert.strictEqual((await execIn(n, "cat", "/data/myid")).stdout.trim(), String(names.indexOf(n) + 1));
      }
      await waitFor(
        "the entrypoint to hand the root znode to the client user",
        90000,
        async () =>
          /'sasl,'app\s*\n: cdrw\b/.test((await execIn(names[0], "zk-cli", "getAcl", "/")).stdout) ? true : undefined,
        2000,
      );
      const created = await execIn(names[1], "zk-cli", "create", "/from-app", "v");
      assert.match(
        created.stdout + created.stderr,
        /Created \/from-app/,
        "the client user (SASL) may create under the root",
      );
      // The image's digest provider: super's digest is taken, a made-up one refused at addauth.
      const address = await docker(
        "inspect",
        "--format",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        names[2],
      );
      // The native client has no TLS: it goes through the providers' relay, with a certificate of the authority.
      const relay = await openTlsRelay(`${address}:2181`, authority.issue("deployer").pem);
      try {
        (await zkConnect(relay.address, `super:${ZK_TEST_AUTH["admin-password"]}`)).close();
        await assert.rejects(zkConnect(relay.address, "mallory:guess"), /authentication as mallory failed/);
      } finally {
        relay.close();
      }
      // Plain text gets nothing from the client port.
      const plain = await run("bash", ["-c", `exec 3<>/dev/tcp/${address}/2181; printf srvr >&3; timeout 5 cat <&3`]);
      assert.doesNotMatch(plain.stdout, /Mode:/);
      const secrets = Object.values(ZK_TEST_AUTH);
      for (const n of names) {
        const argv = (await execIn(n, "bash", "-c", "cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '")).stdout;
        const onVolume = (await execIn(n, "bash", "-c", "find /data -type f -exec cat {} + 2>/dev/null")).stdout;
        for (const v of secrets) {
          assert.ok(!argv.includes(v), `${n}: a password is in some process's argv`);
          assert.ok(!onVolume.includes(v), `${n}: a password is on the data volume`);
        }
        const superDigest = createHash("sha1").update(`super:${ZK_TEST_AUTH["admin-password"]}`).digest("base64");
        assert.ok(
          !onVolume.includes(superDigest) && !argv.includes(superDigest),
          `${n}: super's digest in argv or on the volume`,
        );
        assert.ok(!/DigestLoginModule/.test(onVolume), `${n}: a JAAS file on the data volume`);
      }
    });

    it("refuses to start without its auth Secret", async () => {
      const r = await startAsMember1();
      assert.notStrictEqual(r.code, 0);
      assert.match(
        r.stderr,
        /\/etc\/auth\/password is missing or empty; the pod must mount the ZooKeeper auth Secret at \/etc\/auth/,
      );
    });

    it("refuses to start when zoo.cfg speaks TLS and the certificate is not mounted", async () => {
      const conf = filesDir({ "zoo.cfg": zooCfgTls(["zookeeper-0", "zookeeper-1", "zookeeper-2"]) });
      const auth = filesDir(ZK_TEST_AUTH);
      const r = await startAsMember1(`${conf}:/config:ro`, `${auth}:/etc/auth:ro`);
      assert.notStrictEqual(r.code, 0);
      assert.match(
        r.stderr,
        /zoo\.cfg speaks TLS but \/etc\/tls\/tls\.crt is missing or empty; the pod must mount the <workload>-tls Secret at \/etc\/tls/,
      );
    });

    it("refuses a volume that belongs to another member", async () => {
      const data = fs.mkdtempSync(path.join(os.tmpdir(), "zkdata-"));
      fs.writeFileSync(path.join(data, "myid"), "3\n");
      fs.chmodSync(data, 0o777);
      const r = await startAsMember1(`${data}:/data`);
      assert.notStrictEqual(r.code, 0);
      assert.match(r.stderr, /\/data\/myid is 3 but this pod is member 1; the volume belongs to another member/);
    });
  });

  describe("zookeeper member back on an empty volume", () => {
    const names = [0, 1, 2].map((i) => `zkv-${process.pid}-${i}`);
    const volume = (n: string) => `${n}-data-${process.pid}`;
    const srvr = async (n: string) =>
      /^Mode: (\w+)$/m.exec((await execIn(n, "zk-4lw", "127.0.0.1", "srvr")).stdout)?.[1];
    const zk = (n: string, ...args: string[]) => execIn(n, "zk-cli", ...args).then((r) => r.stdout + r.stderr);
    let net: string;
    let start: (n: string) => Promise<string>;
    let formation: string;

    before(async () => {
      net = await network(`zkv-test-${process.pid}`);
      // TLS as the product has it: the entrypoint's check that the others serve speaks it too.
      const conf = filesDir({
        "zoo.cfg": zooCfg({ tickTime: 2000, initLimit: 10, syncLimit: 5 }, names, { plaintextPort: false }),
      });
      const auth = filesDir(ZK_TEST_AUTH);
      const authority = new TestAuthority("zookeeper");
      const tls = filesDir(tlsSecretFiles(authority.issue().pem));
      // Where the program's formation marker appears once the ensemble passed its first health assertion.
      formation = filesDir({});
      start = (n) =>
        runHardened(
          images.zookeeper,
          n,
          net,
          { [conf]: "/config", [auth]: "/etc/auth", [formation]: "/etc/formation", [tls]: "/etc/tls" },
          { ZK_HEAP: "128m" },
          [],
          volume(n),
        );
      for (const n of names) await start(n);
    });

    it("does not vote until the others serve without it, so a commit only the absent member holds survives", async () => {
      const [a, b, c] = names;
      await waitFor("the first quorum", 90000, async () =>
        (await Promise.all(names.map(srvr))).every((m) => m === "leader" || m === "follower") ? true : undefined,
      );
      for (const n of names)
        assert.match((await execIn(n, "ls", "/data/version-2")).stdout, /\S/, `${n} holds history after forming`);
      fs.writeFileSync(path.join(formation, "formed"), "yes", { mode: 0o644 });
      await docker("rm", "-f", b); // b falls behind
      await waitFor("a and c to commit without b", 60000, async () =>
        /Created \/committed/.test(await zk(a, "create", "/committed", "v")) ? true : undefined,
      );
      await Promise.all([a, c].map((n) => docker("rm", "-f", n)));
      await docker("volume", "rm", volume(c)); // c's volume is lost
      await start(b);
      await start(c);
      // Before the fix c voted at once: b (behind) and c (empty) made a quorum and b led without /committed.
      await new Promise((r) => setTimeout(r, 20000));
      assert.deepStrictEqual(
        await Promise.all([b, c].map((n) => srvr(n).catch(() => undefined))),
        [undefined, undefined],
        "nobody serves while the member with the newest commit is down",
      );
      assert.match((await run("docker", ["logs", c])).stderr, /REFUSING TO VOTE: member 3 is back on an empty volume/);
      await start(a);
      await waitFor("all three serving", 90000, async () =>
        (await Promise.all(names.map((n) => srvr(n).catch(() => undefined)))).every(
          (m) => m === "leader" || m === "follower",
        )
          ? true
          : undefined,
      );
      assert.match((await run("docker", ["logs", c])).stderr, /serves; member 3 joins its leader as a follower/);
      for (const n of names) assert.match(await zk(n, "get", "/committed"), /^v$/m, `${n} has the commit`);
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
      const digestRef = (
        await docker("image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", tag)
      )
        .split("\n")
        .find((d) => d.startsWith(repo));
      assert.match(digestRef ?? "", /@sha256:[0-9a-f]{64}$/);
      await docker("rmi", tag);
      await docker("pull", digestRef!);
      const pulledId = await docker("image", "inspect", "--format", "{{.Id}}", digestRef!);
      assert.strictEqual(pulledId, await docker("image", "inspect", "--format", "{{.Id}}", images.redis));
      await registry.logout();
    });
  });
});
