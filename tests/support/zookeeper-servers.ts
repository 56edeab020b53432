// A real ZooKeeper ensemble of JVM processes on loopback, using the image's classpath rule and
// log4j config so the servers run as they do in the pods.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort } from "./processes";
import { ROOT } from "./stack-files";

const IMAGE = path.join(ROOT, "images", "zookeeper");

export class ZooKeeperEnsembleProcess {
  private readonly procs: (ChildProcess | undefined)[] = [];
  private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-"));
  readonly clientPorts: number[] = [];
  private classpath = "";

  constructor(readonly size: number) {}

  get servers(): string[] {
    return this.clientPorts.map((p) => `127.0.0.1:${p}`);
  }

  async start(): Promise<void> {
    this.classpath = execFileSync(path.join(IMAGE, "zk-entrypoint"), ["--print-classpath"]).toString().trim();
    const ports = await Promise.all(Array.from({ length: this.size * 3 }, () => freePort()));
    const servers = Array.from({ length: this.size }, (_, i) => `server.${i + 1}=127.0.0.1:${ports[3 * i + 1]}:${ports[3 * i + 2]}`);
    for (let i = 0; i < this.size; i++) {
      const dir = path.join(this.root, String(i + 1));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "myid"), `${i + 1}\n`);
      this.clientPorts.push(ports[3 * i]);
      fs.writeFileSync(path.join(dir, "zoo.cfg"), [
        "tickTime=500", "initLimit=10", "syncLimit=5", `dataDir=${dir}`, `clientPort=${ports[3 * i]}`, "clientPortAddress=127.0.0.1",
        "standaloneEnabled=false", "4lw.commands.whitelist=srvr,mntr,ruok", "admin.enableServer=false", ...servers,
      ].join("\n") + "\n");
    }
    for (let i = 0; i < this.size; i++) this.startMember(i);
  }

  startMember(i: number): void {
    const dir = path.join(this.root, String(i + 1));
    this.procs[i] = spawn("java", [
      "-Xmx128m", "-XX:-UsePerfData", `-Dlog4j.configuration=file:${path.join(IMAGE, "log4j.properties")}`,
      "-cp", this.classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", path.join(dir, "zoo.cfg"),
    ], { stdio: ["ignore", fs.openSync(path.join(dir, "server.log"), "a"), fs.openSync(path.join(dir, "server.log"), "a")] });
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
