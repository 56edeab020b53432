// Asserts a ZooKeeper ensemble is healthy: every member serving, exactly one leader, and a znode
// written through the native client is read back from every member. No Pulumi import.
import * as net from "net";
import { HealthError } from "./health-error";
import { Access, openReach } from "./reach";

export interface ZooKeeperHealthInputs {
  readonly servers: readonly string[];
  readonly expectedSize: number;
  readonly access?: Access;
}

export interface ZooKeeperHealthReport {
  readonly leader: string;
  readonly followers: number;
  readonly zxid: string;
}

/** Sends a four-letter word and returns the reply (the server closes the connection when done). */
export function fourLetterWord(endpoint: string, word: string, timeoutMs = 3000): Promise<string> {
  const i = endpoint.lastIndexOf(":");
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) });
    let out = "";
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no answer to ${word} within ${timeoutMs} ms`)));
    sock.on("connect", () => sock.write(word));
    sock.on("data", (d) => (out += d.toString()));
    sock.on("end", () => resolve(out));
    sock.on("error", reject);
  });
}

interface MemberState {
  readonly endpoint: string;
  readonly local?: string;
  readonly mode?: string;
  readonly zxid?: string;
  readonly problem?: string;
}

async function memberState(endpoint: string, local: string): Promise<MemberState> {
  try {
    const reply = await fourLetterWord(local, "srvr");
    const mode = /^Mode: (\w+)/m.exec(reply)?.[1];
    if (!mode) return { endpoint, local, problem: `${endpoint} is not serving requests (${reply.trim().split("\n")[0] || "empty srvr reply"})` };
    return { endpoint, local, mode, zxid: /^Zxid: (\S+)/m.exec(reply)?.[1] };
  } catch (e) {
    return { endpoint, problem: `cannot reach ${endpoint} (${(e as Error).message}); check that the pod is Running` };
  }
}

export async function assertZooKeeperHealthy(inputs: ZooKeeperHealthInputs): Promise<ZooKeeperHealthReport> {
  const reach = openReach(inputs.access);
  try {
    const states = await Promise.all(inputs.servers.map(async (s): Promise<MemberState> => {
      const local = await reach.local(s).catch(() => undefined);
      return local ? memberState(s, local) : { endpoint: s, problem: `cannot open a connection to ${s}` };
    }));
    const problems = states.flatMap((s) => (s.problem ? [s.problem] : []));
    const serving = states.filter((s) => s.mode);
    const majority = Math.floor(inputs.expectedSize / 2) + 1;
    if (inputs.servers.length !== inputs.expectedSize) problems.unshift(`expected ${inputs.expectedSize} members, the provider was given ${inputs.servers.length}`);
    if (serving.length < majority) {
      throw new HealthError("ZooKeeper", [
        `no quorum: ${serving.length} of ${inputs.expectedSize} members serve requests, a majority of ${majority} is needed; start with the members that are down`,
        ...problems,
      ]);
    }
    const leaders = serving.filter((s) => s.mode === "leader");
    if (leaders.length !== 1) problems.push(`expected exactly one leader, found ${leaders.length} (${leaders.map((l) => l.endpoint).join(", ") || "none"})`);
    const others = serving.filter((s) => s.mode !== "leader" && s.mode !== "follower");
    for (const o of others) problems.push(`${o.endpoint} is in mode ${o.mode}, expected leader or follower`);
    if (problems.length) throw new HealthError("ZooKeeper", problems);
    await writeReadEverywhere(serving.map((s) => s.local!), serving.map((s) => s.endpoint), problems);
    if (problems.length) throw new HealthError("ZooKeeper", problems);
    return { leader: leaders[0].endpoint, followers: serving.length - 1, zxid: leaders[0].zxid ?? "" };
  } finally {
    reach.close();
  }
}

type ZkClient = {
  init(o: object): void;
  once(ev: string, cb: () => void): void;
  create(p: string, d: string, f: number): Promise<string>;
  get(p: string, w: boolean): Promise<[unknown, string]>;
  sync(p: string): Promise<unknown>;
  delete_(p: string, v: number): Promise<unknown>;
  close(): void;
};

async function zkConnect(connect: string, timeoutMs = 10000): Promise<ZkClient> {
  // The native binding is loaded here, not at import, so the module stays cheap to load.
  const ZooKeeper = require("zookeeper");
  const client: ZkClient = new ZooKeeper({ connect, timeout: timeoutMs, debug_level: ZooKeeper.LOG_LEVEL_ERROR, host_order_deterministic: false });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`no ZooKeeper session with ${connect} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    client.init({});
  });
  return client;
}

const PARENT = "/middleware-health";

async function writeReadEverywhere(locals: readonly string[], names: readonly string[], problems: string[]): Promise<void> {
  const ZooKeeper = require("zookeeper");
  const path = `${PARENT}/check-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const value = `written-${Date.now()}`;
  const writer = await zkConnect(locals.join(","));
  try {
    await writer.create(PARENT, "", ZooKeeper.PERSISTENT).catch((e: Error) => {
      if (!/exists/i.test(String(e.message))) throw e;
    });
    await writer.create(path, value, ZooKeeper.EPHEMERAL);
    for (const [i, local] of locals.entries()) {
      let reader: ZkClient | undefined;
      try {
        reader = await zkConnect(local);
        await reader.sync(path);
        const [, data] = await reader.get(path, false);
        if (String(data) !== value) problems.push(`${names[i]} returned ${JSON.stringify(String(data))} for ${path}, expected ${JSON.stringify(value)}`);
      } catch (e) {
        problems.push(`${names[i]} could not read back ${path}: ${(e as Error).message}`);
      } finally {
        reader?.close();
      }
    }
    await writer.delete_(path, -1).catch(() => undefined);
  } finally {
    writer.close();
  }
}
