// Real redis-server processes on free loopback ports, each in its own temp dir, with the product's
// own ACL users (components/redis/redis-acl.ts) as the image renders them. Always stopped in `after`.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dataNodeAcl } from "../components/redis/redis-acl";
import { MASTER_HOST_PLACEHOLDER, RedisConfArgs, redisConf, sentinelConf } from "../components/redis/redis-conf";
import { freePort, waitFor } from "./processes";
import { connectRedis } from "./redis";
import { ADMIN_PASSWORD, CLIENT_PASSWORD, renderAuth } from "./redis-auth";
import type { TlsFiles } from "./tls";
import { tlsOptions } from "../components/provider-kit/client-tls";
import { DEFAULT_CLIENT_ACL } from "../components/config/defaults";

export { ADMIN_PASSWORD, CLIENT_PASSWORD } from "./redis-auth";
export const ADMIN = { username: "admin", password: ADMIN_PASSWORD };
export const CLIENT = { password: CLIENT_PASSWORD };

/** Makes the server a sentinel, configured by the product's own sentinel.conf builder. */
export interface SentinelOf {
  readonly masterPort: number;
  readonly masterName: string;
  readonly quorum: number;
  /** Speak TLS as the product's sentinel.conf does (opts.tls has the certificate). */
  readonly tls?: RedisConfArgs["tls"];
  /** Have the metrics sidecar's user, as the product's sentinel.conf does with metrics on. */
  readonly metrics?: boolean;
}

/** A product config speaking TLS, moved to `port` with the certificate in `tls.dir`. */
function withTestTls(conf: string, port: number, tls: TlsFiles): string {
  return conf
    .replace(/^tls-port .*$/m, `tls-port ${port}`)
    .replace(/^(tls-(cert|key|ca-cert)-file) \/etc\/tls\/(.*)$/gm, `$1 ${tls.dir}/$3`);
}

export interface RedisServerOptions {
  readonly sentinelOf?: SentinelOf;
  /** A data node Sentinel watches: it has the `sentinel` user. */
  readonly sentinelManaged?: boolean;
  readonly cluster?: boolean;
  /** cluster-node-timeout; small values make failover tests quick. Defaults to 1000. */
  readonly nodeTimeoutMs?: number;
  readonly extraConfig?: readonly string[];
  /**
   * Run the product's own redis.conf (components/redis/redis-conf.ts, auth rendered as the
   * entrypoint does) instead of the test defaults; only what ties it to a pod (port, bind, dir,
   * log) is changed for loopback.
   */
  readonly product?: RedisConfArgs;
  /**
   * The certificate this server presents and the authority it trusts, for a `product` config that
   * speaks TLS (product.tls): its port is then the TLS port. Clients here present the same one.
   */
  readonly tls?: TlsFiles;
}

export class RedisServer {
  private proc?: ChildProcess;
  readonly dir: string;
  /** performance.now() when the process was last spawned. */
  startedAt = 0;

  private readonly sentinel: boolean;
  private readonly tls?: TlsFiles;

  constructor(
    readonly port: number,
    opts: RedisServerOptions,
    root: string,
  ) {
    this.dir = path.join(root, String(port));
    fs.mkdirSync(this.dir, { recursive: true });
    this.sentinel = opts.sentinelOf !== undefined;
    this.tls = opts.tls;
    if (opts.sentinelOf) {
      // What the sentinel entrypoint writes, on loopback.
      const tls = opts.sentinelOf.tls;
      if (tls && !opts.tls) throw new Error("a sentinel with TLS needs opts.tls");
      const rendered = renderAuth(sentinelConf({ ...opts.sentinelOf, downAfterMs: 1000, failoverTimeoutMs: 5000 }))
        .replace(MASTER_HOST_PLACEHOLDER, "127.0.0.1")
        .replace(/^dir .*$/m, `dir ${this.dir}`);
      const conf = opts.tls ? withTestTls(rendered, port, opts.tls) : rendered + `port ${port}\n`;
      fs.writeFileSync(
        path.join(this.dir, "redis.conf"),
        conf + ["bind 127.0.0.1", `logfile ${path.join(this.dir, "redis.log")}`].join("\n") + "\n",
        { mode: 0o600 },
      );
      return;
    }
    if (opts.product) {
      if (opts.product.tls && !opts.tls) throw new Error("a product config with TLS needs opts.tls");
      const rendered = renderAuth(redisConf(opts.product));
      const withPort = opts.product.tls
        ? withTestTls(rendered, port, opts.tls!)
        : rendered.replace(/^port .*$/m, `port ${port}`);
      const conf = withPort
        .replace(/^bind .*$/m, "bind 127.0.0.1")
        .replace(/^dir .*$/m, `dir ${this.dir}`)
        .replace(/^cluster-config-file .*$/m, "cluster-config-file nodes.conf");
      const pod = [`logfile ${path.join(this.dir, "redis.log")}`, ...(opts.extraConfig ?? [])];
      fs.writeFileSync(path.join(this.dir, "redis.conf"), conf + pod.join("\n") + "\n", { mode: 0o600 });
      return;
    }
    const lines = [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${this.dir}`,
      "daemonize no",
      'save ""',
      "appendonly yes",
      "appendfsync everysec",
      "loglevel warning",
      `logfile ${path.join(this.dir, "redis.log")}`,
      ...dataNodeAcl(DEFAULT_CLIENT_ACL, { sentinelManaged: opts.sentinelManaged }).map(renderAuth),
      ...(opts.cluster
        ? [
            "cluster-enabled yes",
            "cluster-config-file nodes.conf",
            `cluster-node-timeout ${opts.nodeTimeoutMs ?? 1000}`,
          ]
        : []),
      ...(opts.extraConfig ?? []),
    ];
    fs.writeFileSync(path.join(this.dir, "redis.conf"), lines.join("\n") + "\n", { mode: 0o600 });
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async start(): Promise<void> {
    this.startedAt = performance.now();
    this.proc = spawn("redis-server", [path.join(this.dir, "redis.conf"), ...(this.sentinel ? ["--sentinel"] : [])], {
      stdio: "ignore",
    });
    try {
      const c = await connectRedis(this.port, { ...CLIENT, ...this.tlsOption }, 15000);
      c.disconnect();
    } catch (e) {
      const log = fs.existsSync(path.join(this.dir, "redis.log"))
        ? fs.readFileSync(path.join(this.dir, "redis.log"), "utf8").slice(-2000)
        : "(no log)";
      throw new Error(`redis-server on port ${this.port} did not start: ${(e as Error).message}\n${log}`, { cause: e });
    }
  }

  /** SIGKILL: a crash, not a shutdown; the AOF and nodes.conf are what survives. */
  kill(): Promise<void> {
    return this.stop("SIGKILL");
  }

  /** SHUTDOWN as a pod's SIGTERM does: the server persists what its config says, then exits. */
  shutdown(): Promise<void> {
    return this.stop("SIGTERM");
  }

  private async stop(signal: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill(signal);
    await exited;
  }

  /** ioredis's option to speak TLS to this server, or nothing. */
  get tlsOption(): { tls?: import("tls").ConnectionOptions } {
    return this.tls ? { tls: tlsOptions(this.tls.pem) } : {};
  }

  admin(): Promise<import("ioredis").default> {
    return connectRedis(this.port, { ...ADMIN, ...this.tlsOption });
  }
}

/** A set of servers under one temp dir; `stopAll` kills every one and removes the dir. */
export class RedisServers {
  readonly servers: RedisServer[] = [];
  private readonly root: string;

  /** `parent`: where the servers' directories go (a mounted file system under test, say). */
  constructor(parent = os.tmpdir()) {
    this.root = fs.mkdtempSync(path.join(parent, "redis-servers-"));
  }

  async add(count: number, opts: RedisServerOptions = {}): Promise<RedisServer[]> {
    const added: RedisServer[] = [];
    for (let i = 0; i < count; i++) {
      // The cluster bus listens on port + 10000; both must be free.
      const port = await freePort(opts.cluster ? 10000 : undefined);
      added.push(new RedisServer(port, opts, this.root));
    }
    // Tracked before they start: one that fails to answer is still a process stopAll must end.
    this.servers.push(...added);
    await Promise.all(added.map((s) => s.start()));
    return added;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.kill()));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export async function waitUntil(what: string, timeoutMs: number, cond: () => Promise<boolean>): Promise<void> {
  await waitFor(what, timeoutMs, async () => ((await cond().catch(() => false)) ? true : undefined), 100);
}
