// A real ZooKeeper ensemble of JVM processes on loopback, started by the image's own entrypoint
// (classpath rule, log4j config, JAAS and super digest rendering, root ACL) with the product's
// auth settings, so the servers run and authenticate as they do in the pods.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHash } from "crypto";
import {
  ZOO_AUTH_LINES,
  ZOO_METRICS_LINES,
  ZOOKEEPER_CLIENT_USER,
  ZooKeeperAuthFile,
  zooTlsLines,
} from "../components/zookeeper/zoo-cfg";
import { RunResult, check, freePort, run } from "./processes";
import { ROOT } from "./stack-files";
import { fourLetterWord } from "../components/zookeeper/zookeeper-client";
import { TestAuthority, TlsFiles } from "./tls";

export const ZK_IMAGE_DIR = path.join(ROOT, "images", "zookeeper");

/** The auth Secret's files every member of a test ensemble mounts. */
export const ZK_TEST_AUTH = {
  [ZooKeeperAuthFile.Password]: "zk-app-test-password-1",
  [ZooKeeperAuthFile.AdminPassword]: "zk-super-test-password-2",
  [ZooKeeperAuthFile.QuorumPassword]: "zk-quorum-test-password-3",
} as const;
export const ZK_CLIENT_USER = ZOOKEEPER_CLIENT_USER;

let authJarDir: Promise<string> | undefined;
/**
 * A directory with the image's own jars (images/zookeeper/auth), compiled as its Dockerfile does
 * against the host's ZooKeeper: once per test process. The entrypoint puts ZK_LIB_DIR's jars on
 * the classpath.
 */
export function zooKeeperLibDir(): Promise<string> {
  authJarDir ??= (async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "zk-lib-"));
    const classes = path.join(out, "classes");
    const sources = fs
      .readdirSync(path.join(ZK_IMAGE_DIR, "auth"))
      .filter((f) => f.endsWith(".java"))
      .map((f) => path.join(ZK_IMAGE_DIR, "auth", f));
    await check("javac", ["--release", "17", "-cp", "/usr/share/java/zookeeper.jar", "-d", classes, ...sources]);
    await check("jar", ["cf", path.join(out, "middleware-zookeeper-auth.jar"), "-C", classes, "."]);
    fs.rmSync(classes, { recursive: true });
    return out;
  })();
  return authJarDir;
}

let metricsJarDir: Promise<string> | undefined;
/**
 * The metrics provider's jars as the image's build fetches them (images/zookeeper/metrics: Maven
 * from its default repository, then every jar checked against SHA256SUMS): once per test process.
 */
export function zooKeeperMetricsJars(): Promise<string> {
  metricsJarDir ??= (async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "zk-metrics-jars-"));
    const spec = path.join(ZK_IMAGE_DIR, "metrics");
    await check("mvn", [
      "-B",
      "-q",
      "-f",
      path.join(spec, "pom.xml"),
      "dependency:copy-dependencies",
      `-DoutputDirectory=${out}`,
    ]);
    const sums = fs
      .readFileSync(path.join(spec, "SHA256SUMS"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/));
    const got = fs.readdirSync(out).sort();
    if (JSON.stringify(got) !== JSON.stringify(sums.map(([, f]) => f).sort()))
      throw new Error(`the metrics jars fetched (${got.join(", ")}) are not those SHA256SUMS lists`);
    for (const [sum, f] of sums) {
      const actual = createHash("sha256")
        .update(fs.readFileSync(path.join(out, f)))
        .digest("hex");
      if (actual !== sum) throw new Error(`${f}: SHA-256 ${actual}, SHA256SUMS says ${sum}`);
    }
    return out;
  })();
  return metricsJarDir;
}

export interface ZooKeeperEnsembleOptions {
  /** Speak TLS as the product does (zooTlsLines), each member with a certificate of this authority. */
  readonly tls?: TestAuthority;
  /** Where the members' directories go (a mounted file system under test, say); a temp dir by default. */
  readonly parentDir?: string;
  /** Serve the product's metrics (ZOO_METRICS_LINES) on a port of each member's own (metricsPorts). */
  readonly metrics?: boolean;
}

export class ZooKeeperEnsembleProcess {
  private readonly procs: (ChildProcess | undefined)[] = [];
  private readonly root: string;
  readonly clientPorts: number[] = [];
  /** Member i's metrics port, with options.metrics. */
  readonly metricsPorts: number[] = [];
  /** Member i's certificate (mounted at its tls/), when the ensemble speaks TLS. */
  readonly memberTls: TlsFiles[] = [];

  constructor(
    readonly size: number,
    readonly options: ZooKeeperEnsembleOptions = {},
  ) {
    this.root = fs.mkdtempSync(path.join(options.parentDir ?? os.tmpdir(), "zk-"));
  }

  get servers(): string[] {
    return this.clientPorts.map((p) => `127.0.0.1:${p}`);
  }

  private libDir = "";

  async start(): Promise<void> {
    this.libDir = await zooKeeperLibDir();
    if (this.options.metrics) {
      // The image's lib directory: our auth jar and the metrics provider's jars.
      const lib = fs.mkdtempSync(path.join(this.root, "lib-"));
      for (const dir of [this.libDir, await zooKeeperMetricsJars()])
        for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".jar")))
          fs.copyFileSync(path.join(dir, f), path.join(lib, f));
      this.libDir = lib;
      for (let i = 0; i < this.size; i++) this.metricsPorts.push(await freePort());
    }
    const ports = await Promise.all(Array.from({ length: this.size * 3 }, () => freePort()));
    const servers = Array.from(
      { length: this.size },
      (_, i) => `server.${i + 1}=127.0.0.1:${ports[3 * i + 1]}:${ports[3 * i + 2]}`,
    );
    for (let i = 0; i < this.size; i++) {
      const dir = path.join(this.root, String(i + 1));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "myid"), `${i + 1}\n`);
      this.clientPorts.push(ports[3 * i]);
      fs.writeFileSync(
        path.join(dir, "zoo.cfg"),
        [
          "tickTime=500",
          "initLimit=10",
          "syncLimit=5",
          `dataDir=${dir}`,
          ...(this.options.tls
            ? [
                ...zooTlsLines({ plaintextPort: false }, { tls: ports[3 * i], plain: 0 }),
                "secureClientPortAddress=127.0.0.1",
              ]
            : [`clientPort=${ports[3 * i]}`, "clientPortAddress=127.0.0.1"]),
          "standaloneEnabled=false",
          "4lw.commands.whitelist=srvr,mntr,ruok",
          "admin.enableServer=false",
          ...ZOO_AUTH_LINES,
          ...(this.options.metrics
            ? ZOO_METRICS_LINES.map((l) =>
                l
                  .replace(/^metricsProvider\.httpHost=.*$/, "metricsProvider.httpHost=127.0.0.1")
                  .replace(/^metricsProvider\.httpPort=.*$/, `metricsProvider.httpPort=${this.metricsPorts[i]}`),
              )
            : []),
          ...servers,
        ].join("\n") + "\n",
      );
      for (const sub of ["run", "auth"]) fs.mkdirSync(path.join(dir, sub), { mode: 0o700 });
      this.writeAuth(i, ZK_TEST_AUTH);
      if (this.options.tls) this.writeTls(i, this.options.tls.issue(`zookeeper member ${i + 1}`));
    }
    for (let i = 0; i < this.size; i++) this.startMember(i);
  }

  /** Each member's mode as `srvr` reports it (leader, follower, ...), undefined where none answers. */
  modes(): Promise<(string | undefined)[]> {
    return Promise.all(
      this.servers.map((s) =>
        fourLetterWord(s, "srvr")
          .then((r) => /^Mode: (\w+)/m.exec(r)?.[1])
          .catch(() => undefined),
      ),
    );
  }

  /** Member i's directory: data, zoo.cfg, server.log, run/ (what the entrypoint renders), auth/ (the Secret). */
  memberDir(i: number): string {
    return path.join(this.root, String(i + 1));
  }

  /** Replaces member i's mounted auth files (takes effect at its next start, as in a pod). */
  writeAuth(i: number, files: Readonly<Record<string, string>>): void {
    for (const [name, value] of Object.entries(files))
      fs.writeFileSync(path.join(this.memberDir(i), "auth", name), value, { mode: 0o600 });
  }

  /** Rewrites member i's zoo.cfg (takes effect at its next start, as a changed ConfigMap in a pod). */
  editConfig(i: number, edit: (lines: string[]) => string[]): void {
    const file = path.join(this.memberDir(i), "zoo.cfg");
    fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8").trimEnd().split("\n")).join("\n") + "\n");
  }

  /** Replaces member i's mounted certificate (takes effect at its next start, as in a pod). */
  writeTls(i: number, files: TlsFiles): void {
    this.memberTls[i] = files;
    const dir = path.join(this.memberDir(i), "tls");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const f of fs.readdirSync(files.dir)) fs.copyFileSync(path.join(files.dir, f), path.join(dir, f));
  }

  /** Environment that points the image's scripts at member i's directories. */
  memberEnv(i: number): NodeJS.ProcessEnv {
    const dir = this.memberDir(i);
    return {
      ...process.env,
      ZK_CONFIG: path.join(dir, "zoo.cfg"),
      ZK_DATA_DIR: dir,
      ZK_ORDINAL: String(i),
      ZK_RUN_DIR: path.join(dir, "run"),
      ZK_AUTH_DIR: path.join(dir, "auth"),
      ZK_TLS_DIR: path.join(dir, "tls"),
      ZK_CONF_DIR: ZK_IMAGE_DIR,
      ZK_LIB_DIR: this.libDir,
      ZK_CLI: path.join(ZK_IMAGE_DIR, "zk-cli"),
      ZK_HEAP: "128m",
      ZK_SERVER: this.servers[i],
      ZK_CLIENT_USER: ZK_CLIENT_USER,
    };
  }

  /** zk-cli (the image's shell) against member i, authenticating with SASL as the JAAS file in `runDir` says. */
  cli(i: number, args: readonly string[], runDir = path.join(this.memberDir(i), "run")): Promise<RunResult> {
    return run(path.join(ZK_IMAGE_DIR, "zk-cli"), args, {
      env: { ...this.memberEnv(i), ZK_RUN_DIR: runDir },
      timeout: 60000,
    });
  }

  /** Starts member i as its pod would; `env` changes what the entrypoint is given (a broken image, say). */
  startMember(i: number, env: NodeJS.ProcessEnv = {}): void {
    const log = fs.openSync(path.join(this.memberDir(i), "server.log"), "a");
    this.procs[i] = spawn(path.join(ZK_IMAGE_DIR, "zk-entrypoint"), [], {
      env: { ...this.memberEnv(i), ...env },
      stdio: ["ignore", log, log],
    });
    // The child has its own copy; this one would keep the member's directory busy (and leak).
    fs.closeSync(log);
  }

  async killMember(i: number): Promise<void> {
    const p = this.procs[i];
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await exited;
    this.procs[i] = undefined;
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((_, i) => this.killMember(i)));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
