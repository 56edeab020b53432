// A real ZooKeeper ensemble of JVM processes on loopback, started by the image's own entrypoint
// (classpath rule, log4j config, JAAS and super digest rendering, root ACL) with the product's
// auth settings, so the servers run and authenticate as they do in the pods.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ZOO_AUTH_LINES, ZOOKEEPER_CLIENT_USER, ZooKeeperAuthFile } from "../../components/specs/zoo-cfg";
import { RunResult, freePort, run } from "./processes";
import { ROOT } from "./stack-files";

export const ZK_IMAGE_DIR = path.join(ROOT, "images", "zookeeper");

/** The auth Secret's files every member of a test ensemble mounts. */
export const ZK_TEST_AUTH = {
  [ZooKeeperAuthFile.Password]: "zk-app-test-password-1",
  [ZooKeeperAuthFile.AdminPassword]: "zk-super-test-password-2",
  [ZooKeeperAuthFile.QuorumPassword]: "zk-quorum-test-password-3",
} as const;
export const ZK_CLIENT_USER = ZOOKEEPER_CLIENT_USER;

export class ZooKeeperEnsembleProcess {
  private readonly procs: (ChildProcess | undefined)[] = [];
  private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-"));
  readonly clientPorts: number[] = [];

  constructor(readonly size: number) {}

  get servers(): string[] {
    return this.clientPorts.map((p) => `127.0.0.1:${p}`);
  }

  async start(): Promise<void> {
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
          `clientPort=${ports[3 * i]}`,
          "clientPortAddress=127.0.0.1",
          "standaloneEnabled=false",
          "4lw.commands.whitelist=srvr,mntr,ruok",
          "admin.enableServer=false",
          ...ZOO_AUTH_LINES,
          ...servers,
        ].join("\n") + "\n",
      );
      for (const sub of ["run", "auth"]) fs.mkdirSync(path.join(dir, sub), { mode: 0o700 });
      this.writeAuth(i, ZK_TEST_AUTH);
    }
    for (let i = 0; i < this.size; i++) this.startMember(i);
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
      ZK_CONF_DIR: ZK_IMAGE_DIR,
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

  startMember(i: number): void {
    const log = path.join(this.memberDir(i), "server.log");
    this.procs[i] = spawn(path.join(ZK_IMAGE_DIR, "zk-entrypoint"), [], {
      env: this.memberEnv(i),
      stdio: ["ignore", fs.openSync(log, "a"), fs.openSync(log, "a")],
    });
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
