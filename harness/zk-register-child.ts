// The ZooKeeper side of the fault suite's register writer (harness/fault-writers.ts), in a
// process of its own: the native ZooKeeper client aborted the whole test process (SIGABRT, no
// message) in 3 of 4 runs while members restarted under it, which no test can report. Here an
// abort ends only this process; the writer counts that write as refused and starts another.
// Protocol, one line each way: "write <i>" -> "ok" | "err <message>"; "read" -> "value <data>" | "err ...".
// Env: ZK_CONNECT (host:port), ZK_DIGEST (super:<password>), ZK_PATH (the register).
import * as readline from "readline";
import { ZkClient, zkConnect } from "../components/zookeeper/zookeeper-client";

type Register = ZkClient & {
  set(p: string, d: string, v: number): Promise<{ version: number }>;
  exists(p: string, w: boolean): Promise<{ version: number } | null>;
};

const path = process.env.ZK_PATH!;
let client: Register | undefined;
let version = -1;

async function session(): Promise<Register> {
  if (!client) {
    client = (await zkConnect(process.env.ZK_CONNECT!, process.env.ZK_DIGEST, 10_000)) as Register;
    await client.create(path, "-1", 0).catch(() => undefined);
  }
  return client;
}

async function write(i: number): Promise<void> {
  const c = await session();
  try {
    if (version < 0) version = (await c.exists(path, false))!.version;
    version = (await c.set(path, String(i), version)).version;
  } catch (e) {
    version = -1; // re-read: a lost answer or another writer moved it
    // Anything but a version conflict may leave the handle unusable for good (an expired session
    // answers every later call "invalid zhandle state"): start a new session.
    if (!/^-103 /.test((e as Error).message)) {
      c.close();
      client = undefined;
    }
    throw e;
  }
}

async function read(): Promise<string> {
  const c = await session();
  try {
    await c.sync(path);
    const [, data] = await c.get(path, false);
    return String(data);
  } catch (e) {
    c.close();
    client = undefined;
    throw e;
  }
}

const answer = (line: string) => process.stdout.write(`${line.replace(/\n/g, " ")}\n`);
// One request at a time: the parent waits for each answer.
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const [cmd, arg] = line.split(" ");
  const done = cmd === "write" ? write(Number(arg)).then(() => answer("ok")) : read().then((v) => answer(`value ${v}`));
  done.catch((e: Error) => answer(`err ${e.message}`));
});
process.stdin.on("end", () => {
  client?.close();
  setTimeout(() => process.exit(0), 100);
});
