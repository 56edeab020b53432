// Benchmark (not a test): the product's standalone Redis (its own redis.conf: appendonly,
// appendfsync everysec) under redis-benchmark, with its data directory on an NFS mount of the local
// cluster's server (mount-nfs, the kubelet's mounter there) beside the control: the same server on
// local disk, the same disk the NFS server exports from. Rounds alternate the two; medians side by
// side. Usage:
//   npm run bench:aof-storage -- [--rounds 3] [--requests 50000] [--size 256] [--appendfsync everysec|always]
// Starts the local cluster (for its NFS server) when it is down, and stops it again afterwards.
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ClusterEnv, clusterEnv, ensureCluster, localCluster, mountNfs } from "../harness/cluster";
import { run } from "../harness/processes";
import { RedisServers } from "../harness/redis-servers";

import { RedisMode } from "../components/redis/redis-conf";
import type { AppendFsync } from "../components/config/settings";
import { options } from "../scripts/pipeline/cli";
import { DEFAULT_CLIENT_ACL } from "../components/config/defaults";

const usage =
  "npm run bench:aof-storage -- [--rounds 3] [--requests 50000] [--size 256] [--appendfsync everysec|always]";
const opts = options(usage, ["rounds", "requests", "size", "appendfsync"]);
const rounds = Number(opts.rounds ?? 3);
const requests = Number(opts.requests ?? 50_000);
const size = Number(opts.size ?? 256);
const appendfsync = (opts.appendfsync ?? "everysec") as AppendFsync;
if (appendfsync !== "everysec" && appendfsync !== "always")
  throw new Error(`--appendfsync: everysec or always; ${usage}`);
/** The root the NFS server squashes this (root) process to; it owns the bench's export directory. */
const ANONYMOUS = 65534;
/** Many clients (what a service sees) and one (each command waits for its own AOF write). */
const CLIENT_COUNTS = [50, 1];

interface Sample {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly delayedFsync: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** redis-benchmark's --csv: a header, then "SET","rps","avg","min","p50","p95","p99","max". */
function parseCsv(out: string): Omit<Sample, "delayedFsync"> {
  const row = out
    .trim()
    .split("\n")
    .find((l) => l.startsWith('"SET"'));
  if (!row) throw new Error(`no SET row in redis-benchmark's output:\n${out}`);
  const f = row.split(",").map((c) => Number(c.replace(/"/g, "")));
  return { rps: f[1], p50: f[4], p99: f[6], max: f[7] };
}

/** One fresh server under `parent`, one redis-benchmark run, its numbers and the server's aof_delayed_fsync. */
async function sample(parent: string, clients: number): Promise<Sample & { aofBytes: number }> {
  const servers = new RedisServers(parent);
  // A throwaway user of a throwaway loopback server: redis-benchmark takes a password on argv only.
  const benchPassword = randomBytes(18).toString("hex");
  try {
    const [redis] = await servers.add(1, {
      product: { mode: RedisMode.Standalone, maxmemory: "256mb", appendfsync, clientAcl: DEFAULT_CLIENT_ACL },
      extraConfig: [`user bench on >${benchPassword} ~* +@all -@dangerous`],
    });
    const args = ["-h", "127.0.0.1", "-p", String(redis.port), "--user", "bench", "-a", benchPassword];
    const bench = await new Promise<string>((resolve, reject) => {
      const p = spawn(
        "redis-benchmark",
        [
          ...args,
          "-t",
          "set",
          "-r",
          "100000",
          "-n",
          String(requests),
          "-c",
          String(clients),
          "-d",
          String(size),
          "--csv",
        ],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      let err = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (err += d));
      p.on("error", reject);
      p.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`redis-benchmark exited ${code}: ${err}`))));
    });
    const admin = await redis.admin();
    const persistence = String(await admin.info("persistence"));
    admin.disconnect();
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(persistence)?.[1] ?? NaN);
    const aofDir = path.join(redis.dir, "appendonlydir");
    const aofBytes = fs.readdirSync(aofDir).reduce((n, f) => n + fs.statSync(path.join(aofDir, f)).size, 0);
    return { ...parseCsv(bench), delayedFsync: field("aof_delayed_fsync"), aofBytes };
  } finally {
    await servers.stopAll();
  }
}

async function main(): Promise<void> {
  const startedCluster = await ensureCluster();
  const env: ClusterEnv = await clusterEnv();
  const exportDir = path.join(env.NFS_EXPORT, `bench-aof-${process.pid}`);
  const mountPoint = fs.mkdtempSync(path.join(env.CLUSTER_HOME, "bench-aof-mount-"));
  const localDir = fs.mkdtempSync(path.join(env.CLUSTER_HOME, "bench-aof-local-"));
  fs.mkdirSync(exportDir, { mode: 0o700 });
  fs.chownSync(exportDir, ANONYMOUS, ANONYMOUS);
  try {
    await mountNfs(env, exportDir, mountPoint);
    const storages = [
      { name: "local disk", dir: localDir },
      { name: `NFS (mount-nfs, v3, ${env.NFS_SERVER})`, dir: mountPoint },
    ];
    console.log(
      `redis-benchmark -t set -n ${requests} -d ${size}, appendonly yes, appendfsync ${appendfsync}, ${rounds} rounds, medians\n`,
    );
    const header = ["storage", "clients", "SET/s", "p50 ms", "p99 ms", "max ms", "aof_delayed_fsync", "AOF MB"];
    const rows: string[][] = [header];
    for (const clients of CLIENT_COUNTS) {
      const samples = new Map(storages.map((s) => [s.name, [] as (Sample & { aofBytes: number })[]]));
      for (let r = 0; r < rounds; r++)
        for (const s of r % 2 ? [...storages].reverse() : storages)
          samples.get(s.name)!.push(await sample(s.dir, clients));
      for (const s of storages) {
        const xs = samples.get(s.name)!;
        const m = (f: (x: Sample & { aofBytes: number }) => number) => median(xs.map(f));
        rows.push([
          s.name,
          String(clients),
          m((x) => x.rps).toFixed(0),
          m((x) => x.p50).toFixed(2),
          m((x) => x.p99).toFixed(2),
          m((x) => x.max).toFixed(2),
          String(m((x) => x.delayedFsync)),
          (m((x) => x.aofBytes) / 1e6).toFixed(1),
        ]);
      }
    }
    console.log(rows.map((cells) => `| ${cells.join(" | ")} |`).join("\n"));
  } finally {
    await run("umount", [mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
    fs.rmSync(localDir, { recursive: true, force: true });
    fs.rmSync(exportDir, { recursive: true, force: true });
    if (startedCluster) await localCluster("down");
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
