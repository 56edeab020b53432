// The metrics sidecar (images/redis/redis-metrics: Debian's prometheus-redis-exporter) on real
// processes running the product's configs with TLS: a master and its replica, a lone cluster node
// and a sentinel, each read as the `metrics` user over loopback. It must serve what the alerts
// and dashboards need, and its user must get nothing else: no key, no config, no command that
// changes anything, and no password anywhere in what it serves or on its command line.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RedisConfArgs, RedisMode } from "../../components/redis/redis-conf";
import { freePort, waitFor } from "../../harness/processes";
import { AUTH_FILES } from "../../harness/redis-auth";
import { connectRedis } from "../../harness/redis";
import { ADMIN, RedisServer, RedisServers } from "../../harness/redis-servers";
import { TestAuthority, TlsFiles } from "../../harness/tls";
import { ROOT } from "../../harness/stack-files";
import { DEFAULT_CLIENT_ACL } from "../../components/config/defaults";
import { AuthFile } from "../../components/platform/auth-files";

const SIDECAR = path.join(ROOT, "images", "redis", "redis-metrics");
const conf = (mode: RedisMode): RedisConfArgs => ({
  mode,
  maxmemory: "64mb",
  appendfsync: "everysec",
  clientAcl: DEFAULT_CLIENT_ACL,
  tls: { plaintextPort: false },
  metrics: true,
});

/** One sidecar process, as the pod runs it: its auth file and the pod's certificate mounted, nothing on argv. */
class MetricsSidecar {
  private proc?: ChildProcess;
  private readonly authDir = fs.mkdtempSync(path.join(os.tmpdir(), "metrics-auth-"));
  url = "";

  constructor(
    private readonly server: RedisServer,
    private readonly tls: TlsFiles,
  ) {
    fs.writeFileSync(path.join(this.authDir, AuthFile.Metrics), AUTH_FILES[AuthFile.Metrics], { mode: 0o600 });
  }

  async start(): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}/metrics`;
    this.proc = spawn(SIDECAR, [], {
      stdio: "ignore",
      env: {
        ...process.env,
        AUTH_DIR: this.authDir,
        TLS_DIR: this.tls.dir,
        REDIS_PORT: String(this.server.port),
        METRICS_LISTEN: `127.0.0.1:${port}`,
      },
    });
    await waitFor("the sidecar serving metrics", 20_000, async () =>
      (await this.scrape().catch(() => "")).includes("redis_up") ? true : undefined,
    );
  }

  async scrape(): Promise<string> {
    const r = await fetch(this.url);
    if (!r.ok) throw new Error(`${this.url}: ${r.status}`);
    return r.text();
  }

  /** The exporter's command line, as `ps` shows it to anyone on the node. */
  argv(): string {
    return fs.readFileSync(`/proc/${this.proc!.pid}/cmdline`, "utf8").replace(/\0/g, " ");
  }

  stop(): void {
    this.proc?.kill();
    fs.rmSync(this.authDir, { recursive: true, force: true });
  }
}

/** The value of one series, matched by its name and label text (a regex), or undefined. */
function sample(text: string, series: string): number | undefined {
  const m = new RegExp(`^${series}\\s+(\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

describe("the metrics sidecar on the product's TLS configs (real redis-server, sentinel and exporter)", function () {
  this.timeout(120_000);
  const fleet = new RedisServers();
  const authority = new TestAuthority("redis metrics");
  let member: TlsFiles;
  const sidecars: MetricsSidecar[] = [];
  let master: RedisServer;
  let replica: RedisServer;
  let clusterNode: RedisServer;
  let sentinel: RedisServer;
  const scraped = new Map<RedisServer, string>();

  const sidecarOf = async (server: RedisServer) => {
    const s = new MetricsSidecar(server, member);
    sidecars.push(s);
    await s.start();
    return s;
  };

  before(async () => {
    member = authority.issue("redis member");
    [master] = await fleet.add(1, { product: conf(RedisMode.SentinelData), tls: member });
    [replica] = await fleet.add(1, {
      product: conf(RedisMode.SentinelData),
      tls: member,
      extraConfig: [`replicaof 127.0.0.1 ${master.port}`],
    });
    [clusterNode] = await fleet.add(1, { product: conf(RedisMode.Cluster), tls: member, cluster: true });
    [sentinel] = await fleet.add(1, {
      sentinelOf: {
        masterPort: master.port,
        masterName: "mymaster",
        quorum: 1,
        tls: { plaintextPort: false },
        metrics: true,
      },
      tls: member,
    });
    const admin = await master.admin();
    await waitFor("the replica in sync", 30_000, async () =>
      /slave0:.*state=online/.test(await admin.info("replication")) ? true : undefined,
    );
    admin.disconnect();
    for (const server of [master, replica, clusterNode, sentinel]) {
      const sidecar = await sidecarOf(server);
      // The sentinel learns of the replica from the master's INFO within seconds.
      scraped.set(
        server,
        await waitFor("a complete scrape", 30_000, async () => {
          const text = await sidecar.scrape();
          return server !== sentinel || sample(text, "redis_sentinel_master_slaves\\{[^}]*\\}") === 1
            ? text
            : undefined;
        }),
      );
    }
  });
  after(async () => {
    sidecars.forEach((s) => s.stop());
    await fleet.stopAll();
    authority.remove();
  });

  it("serves what the alerts need from a master and its replica over TLS", () => {
    const m = scraped.get(master)!;
    const r = scraped.get(replica)!;
    assert.strictEqual(sample(m, "redis_up"), 1);
    assert.strictEqual(sample(m, "redis_connected_slaves"), 1);
    assert.strictEqual(sample(m, "redis_aof_last_write_status"), 1);
    assert.strictEqual(sample(m, "redis_aof_enabled"), 1);
    assert.strictEqual(sample(m, "redis_memory_max_bytes"), 64 * 1024 * 1024);
    assert.ok((sample(m, "redis_memory_used_bytes") ?? 0) > 0);
    assert.match(m, /^redis_instance_info\{[^}]*role="master"[^}]*\} 1$/m);
    assert.strictEqual(sample(r, "redis_master_link_up\\{[^}]*\\}"), 1);
    assert.match(r, /^redis_instance_info\{[^}]*role="slave"[^}]*\} 1$/m);
    assert.ok(sample(r, "redis_slave_repl_offset\\{[^}]*\\}") !== undefined, "the replica's offset");
  });

  it("serves a cluster node's state and slots, and a sentinel's view of its master", () => {
    const c = scraped.get(clusterNode)!;
    // A lone node: no slots, state fail. What matters is that the series are there to alert on.
    assert.strictEqual(sample(c, "redis_cluster_state"), 0);
    assert.strictEqual(sample(c, "redis_cluster_slots_ok"), 0);
    assert.strictEqual(sample(c, "redis_cluster_known_nodes"), 1);
    const s = scraped.get(sentinel)!;
    assert.strictEqual(sample(s, 'redis_sentinel_master_status\\{[^}]*master_status="ok"[^}]*\\}'), 1);
    assert.strictEqual(sample(s, "redis_sentinel_master_slaves\\{[^}]*\\}"), 1);
    assert.strictEqual(sample(s, "redis_sentinel_master_ok_sentinels\\{[^}]*\\}"), 1);
    assert.strictEqual(sample(s, "redis_sentinel_master_ckquorum_status\\{[^}]*\\}"), 1);
    assert.strictEqual(sample(s, "redis_sentinel_masters"), 1);
  });

  it("asks nothing on a scrape that its user is refused but SLOWLOG GET, and never CONFIG", async () => {
    // SLOWLOG GET shows slow commands' arguments: the exporter tries it, is refused, and does without.
    // (Before the next test, whose refusals would be logged too.)
    for (const server of [master, replica, clusterNode, sentinel]) {
      const admin = await connectRedis(server.port, { ...ADMIN, ...server.tlsOption });
      const log = (await admin.call("acl", "log")) as unknown[][];
      admin.disconnect();
      const refused = log
        .map((entry) =>
          Object.fromEntries(Array.from({ length: entry.length / 2 }, (_, i) => [entry[2 * i], entry[2 * i + 1]])),
        )
        .filter((e) => e.username === "metrics")
        .map((e) => String(e.object));
      assert.deepStrictEqual(
        [...new Set(refused)].filter((o) => o !== "slowlog|get"),
        [],
        `refused on ${server.port}`,
      );
    }
  });

  it("gives its user no key, no config and no command that changes anything", async () => {
    const asMetrics = await connectRedis(master.port, {
      username: "metrics",
      password: AUTH_FILES[AuthFile.Metrics],
      ...master.tlsOption,
    });
    try {
      for (const cmd of [
        ["get", "k"],
        ["set", "k", "v"],
        ["config", "get", "masterauth"],
        ["slowlog", "get"],
        ["keys", "*"],
        ["scan", "0"],
        ["acl", "list"],
        ["client", "list"],
        ["replicaof", "no", "one"],
        ["monitor"],
      ])
        await assert.rejects(asMetrics.call(cmd[0], ...cmd.slice(1)), /NOPERM/, cmd.join(" "));
    } finally {
      asMetrics.disconnect();
    }
  });

  it("puts no password, or hash of one, in what it serves or on its command line", () => {
    const secrets = Object.values(AUTH_FILES).flatMap((v) => [v, createHash("sha256").update(v).digest("hex")]);
    for (const [server, text] of scraped)
      for (const secret of secrets) assert.ok(!text.includes(secret), `a secret in the metrics of ${server.port}`);
    for (const s of sidecars) {
      const argv = s.argv();
      assert.match(argv, /prometheus-redis-exporter/);
      for (const secret of secrets)
        assert.ok(!argv.includes(secret), `a secret on the exporter's command line: ${argv}`);
    }
  });
});
