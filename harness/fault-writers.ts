// Clients of the fault suite (tests/faults): each writes continuously to one system the way an
// application does, reaching it by its Service names through the cluster DNS, and records every
// write the system acknowledged, so a scenario can count what was lost and how long nothing was
// acknowledged. Only name resolution is ours (the host's resolver does not know the cluster's
// names); the clients' own failover logic is the libraries', unmodified.
import { promises as dns } from "dns";
import Redis, { Cluster, RedisOptions } from "ioredis";
import { ClientTls, TlsRelay, openTlsRelay, tlsOptions } from "../components/provider-kit/client-tls";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { createInterface } from "readline";

/** ioredis's own key -> slot function (its dependency, untyped). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const calculateSlot: (key: string) => number = require("cluster-key-slot");

/** A name -> address cache kept fresh through the cluster DNS, for ioredis's natMap. */
export class ClusterDns {
  private readonly resolver = new dns.Resolver();
  private readonly addresses = new Map<string, string>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    server: string,
    private readonly names: readonly string[],
  ) {
    this.resolver.setServers([server]);
    this.loop = (async () => {
      while (this.running) {
        await this.refresh();
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
  }

  async refresh(): Promise<void> {
    for (const n of this.names) {
      const ip = (await this.resolver.resolve4(n).catch(() => []))[0];
      if (ip) this.addresses.set(n, ip);
    }
  }

  async resolve(name: string): Promise<string> {
    const [ip] = await this.resolver.resolve4(name);
    return ip;
  }

  /** ioredis's natMap: "host:port" of a name this cache knows -> its current address. */
  readonly natMap = (key: string): { host: string; port: number } | null => {
    const i = key.lastIndexOf(":");
    const ip = this.addresses.get(key.slice(0, i));
    return ip ? { host: ip, port: Number(key.slice(i + 1)) } : null;
  };

  async close(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** One acknowledged write: its key (or register value), when the ack arrived and, for Redis, which master gave it. */
export interface Ack {
  readonly id: string;
  readonly at: number;
  readonly node?: string;
}

/** How far an acknowledged write went: as far as the system promises, or to a master alone. */
type WriteKind = "durable" | "unreplicated";

export abstract class Writer {
  /** Writes acknowledged as durable: Redis with WAIT >= 1 replica (a standalone's OK), every ZooKeeper write. */
  readonly acked: Ack[] = [];
  /** Redis writes the master acknowledged without a replica's (async replication's documented limit). */
  readonly ackedUnreplicated: Ack[] = [];
  refused = 0;
  /** How often each kind of error (its first word: WRONGPASS, NOREPLICAS, READONLY ...) refused a write. */
  readonly errors = new Map<string, number>();
  /** The whole message of the last refusal, for a scenario that times out. */
  lastError?: string;
  private running = false;
  private loop?: Promise<void>;

  abstract readonly system: string;
  protected abstract writeOne(i: number): Promise<WriteKind>;
  /** The server that acknowledged write `i`, where the client knows it. */
  protected answeredBy(_i: number): string | undefined {
    return undefined;
  }
  /** Acknowledged writes of `acks` that a fresh client does not read back. */
  abstract lost(acks: readonly Ack[]): Promise<string[]>;
  abstract close(): Promise<void>;

  start(): void {
    this.running = true;
    this.loop = (async () => {
      for (let i = 0; this.running; i++) {
        try {
          const kind = await this.writeOne(i);
          (kind === "durable" ? this.acked : this.ackedUnreplicated).push({
            id: String(i),
            at: Date.now(),
            node: this.answeredBy(i),
          });
          await new Promise((r) => setTimeout(r, 20)); // ~50 writes/s: every gap shows, little to read back
        } catch (e) {
          this.refused++;
          this.lastError = e instanceof Error ? e.message : String(e);
          const kind = this.lastError.split(/[\s:]/)[0];
          this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The longest time without an acknowledgement between `from` and the last ack. */
  longestGap(from: number): number {
    const times = [from, ...this.acked.filter((a) => a.at >= from).map((a) => a.at)];
    return Math.max(0, ...times.slice(1).map((t, i) => t - times[i]));
  }
}

/** The key of write `i` of writer `tag`: spread over every slot of a cluster. */
const keyOf = (tag: string, id: string) => `fault:${tag}:${id}`;

/** The keys of `acks` that `reader` (a fresh client, disconnected after) does not read back. */
async function unreadKeys(reader: Redis | Cluster, tag: string, acks: readonly Ack[]): Promise<string[]> {
  try {
    const keys = acks.map((a) => keyOf(tag, a.id));
    const values = await Promise.all(keys.map((k) => reader.get(k)));
    return keys.filter((k, i) => values[i] !== k);
  } finally {
    reader.disconnect();
  }
}

/** No write waits longer: a hung command would stall the writer (and its close) for good. */
const COMMAND_TIMEOUT_MS = 5000;

/** A Redis client writing `SET` then `WAIT 1` in one pipeline: durable once a replica acknowledged it. */
abstract class WaitingRedisWriter extends Writer {
  private current?: Redis | Cluster;

  protected constructor(
    protected password: string,
    protected readonly tag: string,
  ) {
    super();
  }

  /** What an application does when given a new password: its next write logs in with it. */
  usePassword(password: string): void {
    this.password = password;
    const old = this.current;
    this.current = undefined;
    old?.disconnect();
  }

  /** Connected on first use: a subclass's own fields are set only after this constructor. */
  protected get client(): Redis | Cluster {
    return (this.current ??= this.connect(this.password));
  }

  /** A client of the system with `password`, errors swallowed (every write reports its own). */
  protected abstract connect(password: string): Redis | Cluster;

  protected async writeOne(i: number): Promise<WriteKind> {
    const key = keyOf(this.tag, String(i));
    // In a cluster the pipeline goes to the key's node: the WAIT counts that master's replicas.
    const replies = (await this.client.pipeline().set(key, key).call("WAIT", "1", "1000").exec()) as [
      Error | null,
      unknown,
    ][];
    const [[setError, set], [waitError, replicas]] = replies;
    if (setError || set !== "OK") throw setError ?? new Error(String(set));
    if (waitError) throw waitError;
    return Number(replicas) >= 1 ? "durable" : "unreplicated";
  }

  async close(): Promise<void> {
    await this.stop();
    this.current?.disconnect();
  }
}

/** An ioredis Cluster client started from the cluster's client Service. */
export class RedisClusterWriter extends WaitingRedisWriter {
  readonly system = "Redis Cluster";
  private constructor(
    password: string,
    tag: string,
    private readonly seed: string,
    private readonly dnsCache: ClusterDns,
    private readonly tls: ClientTls,
  ) {
    super(password, tag);
  }

  /** `tls`: the applications' client certificate (the stack's <workload>-client-tls Secret). */
  static async open(
    dnsCache: ClusterDns,
    service: string,
    password: string,
    tag: string,
    tls: ClientTls,
  ): Promise<RedisClusterWriter> {
    return new RedisClusterWriter(password, tag, await dnsCache.resolve(service), dnsCache, tls);
  }

  protected connect(password: string): Cluster {
    // Redirects carry node addresses (cluster-preferred-endpoint-type ip), which this host routes to.
    const client = new Cluster([{ host: this.seed, port: 6379 }], {
      redisOptions: { password, protocol: 2, commandTimeout: COMMAND_TIMEOUT_MS, tls: tlsOptions(this.tls) },
      natMap: this.dnsCache.natMap,
    });
    client.on("error", () => undefined);
    return client;
  }

  /** The master the client's slot map names for the key: it follows MOVED, so after the reply it is the one that answered. */
  protected answeredBy(i: number): string | undefined {
    return (this.client as Cluster).slots[calculateSlot(keyOf(this.tag, String(i)))]?.[0];
  }

  async lost(acks: readonly Ack[]): Promise<string[]> {
    const reader = new Cluster([{ host: this.seed, port: 6379 }], {
      redisOptions: { password: this.password, protocol: 2, tls: tlsOptions(this.tls) },
    });
    return unreadKeys(reader, this.tag, acks);
  }
}

/** An ioredis Sentinel client asking the sentinels' Service. */
export class SentinelWriter extends WaitingRedisWriter {
  readonly system = "Redis Sentinel";
  private constructor(
    password: string,
    tag: string,
    private readonly options: RedisOptions,
  ) {
    super(password, tag);
  }

  static async open(
    dnsCache: ClusterDns,
    sentinelService: string,
    masterName: string,
    password: string,
    tag: string,
    tls: ClientTls,
  ): Promise<SentinelWriter> {
    // TLS to the sentinels and to the data pods they name, with the applications' certificate.
    const options: RedisOptions = {
      sentinels: [{ host: await dnsCache.resolve(sentinelService), port: 26379 }],
      name: masterName,
      natMap: dnsCache.natMap,
      enableTLSForSentinelMode: true,
      sentinelTLS: tlsOptions(tls),
      tls: tlsOptions(tls),
    };
    return new SentinelWriter(password, tag, options);
  }

  protected connect(password: string): Redis {
    // The sentinels take the client password too.
    const client = new Redis({
      ...this.options,
      password,
      sentinelPassword: password,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    client.on("error", () => undefined);
    return client;
  }

  /** The master the sentinels named when the client last connected. */
  protected answeredBy(): string | undefined {
    const stream = (this.client as Redis).stream;
    return stream ? `${stream.remoteAddress}:${stream.remotePort}` : undefined;
  }

  async lost(acks: readonly Ack[]): Promise<string[]> {
    const reader = this.connect(this.password);
    try {
      const keys = acks.map((a) => keyOf(this.tag, a.id));
      const values: (string | null)[] = [];
      for (let i = 0; i < keys.length; i += 1000) values.push(...(await reader.mget(...keys.slice(i, i + 1000))));
      return keys.filter((k, i) => values[i] !== k);
    } finally {
      reader.disconnect();
    }
  }
}

/** A process running harness/zk-register-child.ts: one request, one answer line. */
class RegisterProcess {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiting?: (line: string | undefined) => void;
  private exit?: string;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(__dirname, "zk-register-child.ts")],
      {
        env: { ...process.env, ...env },
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      if (this.waiting) this.waiting(line);
      else this.lines.push(line);
    });
    this.child.on("exit", (code, signal) => {
      this.exit = `the ZooKeeper client process exited (${signal ?? code})`;
      this.waiting?.(undefined);
    });
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Sends `request`; the answer, or an error when the process died or did not answer in time. */
  async ask(request: string, timeoutMs: number): Promise<string> {
    if (this.exit) throw new Error(this.exit);
    this.child.stdin!.write(`${request}\n`);
    const line =
      this.lines.shift() ??
      (await new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => resolve("err no answer in time"), timeoutMs);
        this.waiting = (l) => {
          clearTimeout(timer);
          this.waiting = undefined;
          resolve(l);
        };
      }));
    if (line === undefined) throw new Error(this.exit);
    if (line === "err no answer in time") this.child.kill("SIGKILL");
    if (line.startsWith("err ")) throw new Error(line.slice(4));
    return line;
  }

  close(): void {
    this.child.stdin!.end();
    setTimeout(() => this.child.kill("SIGKILL"), 2000).unref();
  }
}

/**
 * A ZooKeeper register: one znode updated with versioned setData through the client Service. A
 * write whose answer was lost is found out by the next one's BadVersion and re-read, as a
 * compare-and-set client must. Every acknowledged write is committed by a quorum. The native client
 * runs in a child process (see zk-register-child.ts); one that died is replaced at the next write.
 */
export class ZooKeeperWriter extends Writer {
  readonly system = "ZooKeeper";
  private register?: RegisterProcess;

  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly relay?: TlsRelay,
  ) {
    super();
  }

  /** Straight to `connect` (host:port[,host:port...]) in plain text: an ensemble of real processes on loopback. */
  static async plain(connect: string, superPassword: string, path: string): Promise<ZooKeeperWriter> {
    const w = new ZooKeeperWriter({ ZK_CONNECT: connect, ZK_DIGEST: `super:${superPassword}`, ZK_PATH: path });
    await w.process().ask("read", 30_000);
    return w;
  }

  /** `tls`: the ensemble's client Secret; the child's native client (no TLS) goes through a relay of ours. */
  static async open(
    dnsCache: ClusterDns,
    service: string,
    superPassword: string,
    path: string,
    tls: ClientTls,
  ): Promise<ZooKeeperWriter> {
    const relay = await openTlsRelay(`${await dnsCache.resolve(service)}:2181`, tls);
    const w = new ZooKeeperWriter(
      { ZK_CONNECT: relay.address, ZK_DIGEST: `super:${superPassword}`, ZK_PATH: path },
      relay,
    );
    await w.process().ask("read", 30_000);
    return w;
  }

  private process(): RegisterProcess {
    if (!this.register?.alive) this.register = new RegisterProcess(this.env);
    return this.register;
  }

  protected async writeOne(i: number): Promise<WriteKind> {
    await this.process().ask(`write ${i}`, 30_000);
    return "durable";
  }

  /** The register holds the last acknowledged value or a later one; anything else lost acknowledged writes. */
  async lost(acks: readonly Ack[]): Promise<string[]> {
    if (!acks.length) return [];
    // A fresh client, as for the Redis systems.
    const reader = new RegisterProcess(this.env);
    try {
      const now = Number((await reader.ask("read", 30_000)).slice("value ".length));
      return acks.filter((a) => Number(a.id) > now).map((a) => `${this.env.ZK_PATH}=${a.id}`);
    } finally {
      reader.close();
    }
  }

  async close(): Promise<void> {
    await this.stop();
    this.register?.close();
    this.relay?.close();
  }
}

/**
 * One standalone Redis server written with plain SET. Its OK is the acknowledgement: with
 * appendonly, Redis writes the command to its AOF before it replies.
 */
export class StandaloneRedisWriter extends Writer {
  readonly system = "Redis";
  private readonly client: Redis;

  constructor(
    private readonly port: number,
    private readonly password: string,
    private readonly tag: string,
  ) {
    super();
    this.client = this.connect();
  }

  private connect(): Redis {
    const client = new Redis({
      host: "127.0.0.1",
      port: this.port,
      password: this.password,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
    });
    client.on("error", () => undefined);
    return client;
  }

  protected async writeOne(i: number): Promise<WriteKind> {
    const key = keyOf(this.tag, String(i));
    const reply = await this.client.set(key, key);
    if (reply !== "OK") throw new Error(String(reply));
    return "durable";
  }

  async lost(acks: readonly Ack[]): Promise<string[]> {
    return unreadKeys(this.connect(), this.tag, acks);
  }

  /** The key write `id` set: what to look for in the AOF on the server's disk. */
  key(id: string): string {
    return keyOf(this.tag, id);
  }

  async close(): Promise<void> {
    await this.stop();
    this.client.disconnect();
  }
}
