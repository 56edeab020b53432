// Asserts Redis Sentinel is healthy: every sentinel names the same master, CKQUORUM passes, every
// sentinel can reach (and so promote) the expected replicas, the master has them online, and a
// write on the master is read from a replica.
// No Pulumi import.
import Redis from "ioredis";
import { HealthError, collect } from "../../health/health-error";
import type { Access } from "../../provider-kit/reach";
import type { CertificateCheck } from "../../provider-kit/client-tls";
import { RedisAuth, authOf, parseInfo, withRedisSession } from "../redis-client";

export interface SentinelHealthInputs extends RedisAuth, CertificateCheck {
  readonly sentinels: readonly string[];
  readonly masterName: string;
  readonly expectedReplicas: number;
  readonly access?: Access;
}

export interface SentinelHealthReport {
  readonly master: string;
  readonly replicas: number;
  readonly sentinels: number;
}

export async function assertSentinelHealthy(inputs: SentinelHealthInputs): Promise<SentinelHealthReport> {
  const problems: string[] = [];
  // Reported with the master's own view of its replicas, which usually names the cause.
  const unpromotable: string[] = [];
  return withRedisSession(inputs.access, authOf(inputs), async (session) => {
    const open = (endpoint: string) => session.connect(endpoint);
    const answers = new Map<string, string>();
    await Promise.all(
      inputs.sentinels.map((s) =>
        collect(problems, async () => {
          const c = await open(s);
          const addr = (await c.call("SENTINEL", "get-master-addr-by-name", inputs.masterName)) as string[] | null;
          if (!addr) throw new Error(`sentinel ${s} does not monitor a master named ${inputs.masterName}`);
          answers.set(s, `${addr[0]}:${addr[1]}`);
          await c.call("SENTINEL", "CKQUORUM", inputs.masterName).catch((e: Error) => {
            throw new Error(`sentinel ${s} fails CKQUORUM for ${inputs.masterName}: ${e.message}`);
          });
          const info = flat((await c.call("SENTINEL", "MASTER", inputs.masterName)) as string[]);
          const flags = (info.get("flags") ?? "").split(",");
          if (flags.some((f) => f === "s_down" || f === "o_down"))
            problems.push(`sentinel ${s} sees master ${answers.get(s)} as ${info.get("flags")}`);
          const replicas = ((await c.call("SENTINEL", "REPLICAS", inputs.masterName)) as string[][]).map(flat);
          const promotable = replicas.filter(canPromote);
          if (promotable.length < inputs.expectedReplicas) {
            const seen =
              replicas.map((r) => `${r.get("ip")}:${r.get("port")} (${r.get("flags")})`).join(", ") || "none";
            unpromotable.push(
              `sentinel ${s} could promote ${promotable.length} replica(s), expected ${inputs.expectedReplicas}; it knows ${seen}. ` +
                "A failover could pick only among those it reaches: check that the sentinels reach every data pod's announced address",
            );
          }
          const others = Number(info.get("num-other-sentinels"));
          if (others !== inputs.sentinels.length - 1)
            problems.push(
              `sentinel ${s} knows ${others} other sentinels, expected ${inputs.sentinels.length - 1}; check the sentinels can reach each other`,
            );
        }),
      ),
    );
    const masters = new Set(answers.values());
    if (masters.size > 1)
      problems.push(`sentinels disagree on the master: ${[...answers].map(([s, m]) => `${s} -> ${m}`).join(", ")}`);
    if (problems.length || masters.size === 0)
      throw new HealthError("Redis Sentinel", problems.length ? problems : ["no sentinel answered"]);
    const master = [...masters][0];
    const m = await collect(problems, () => open(master));
    if (!m) throw new HealthError("Redis Sentinel", problems);
    const repl = parseInfo(String(await m.call("INFO", "replication")));
    if (repl.get("role") !== "master")
      problems.push(`${master}, named master by the sentinels, reports role:${repl.get("role")}`);
    const online = [...repl.entries()]
      .filter(([k, v]) => /^slave\d+$/.test(k) && /state=online/.test(v))
      .map(([, v]) => v);
    if (online.length < inputs.expectedReplicas) {
      problems.push(
        `master ${master} has ${online.length} replica(s) online, expected ${inputs.expectedReplicas}; look at the replica pods' logs for sync errors`,
      );
    }
    problems.push(...unpromotable);
    if (inputs.minValidDays !== undefined) problems.push(...session.expiringCertificates(inputs.minValidDays));
    if (problems.length) throw new HealthError("Redis Sentinel", problems);
    const first = /ip=([^,]+),port=(\d+)/.exec(online[0]);
    await collect(problems, () => writeOnMasterReadOnReplica(m, first ? `${first[1]}:${first[2]}` : "", open));
    if (problems.length) throw new HealthError("Redis Sentinel", problems);
    return { master, replicas: online.length, sentinels: inputs.sentinels.length };
  });
}

/** What Sentinel's own replica selection skips: a replica it cannot reach, or one that may never be master. */
function canPromote(replica: Map<string, string>): boolean {
  const flags = (replica.get("flags") ?? "").split(",");
  return (
    !flags.some((f) => f === "s_down" || f === "o_down" || f === "disconnected") &&
    replica.get("slave-priority") !== "0"
  );
}

function flat(pairs: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < pairs.length; i += 2) m.set(pairs[i], pairs[i + 1]);
  return m;
}

async function writeOnMasterReadOnReplica(
  master: Redis,
  replica: string,
  open: (e: string) => Promise<Redis>,
): Promise<void> {
  const key = `middleware:health:${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const value = String(Date.now());
  await master.set(key, value, "PX", 60000);
  const acked = Number(await master.call("WAIT", "1", "5000"));
  if (acked < 1) throw new Error(`no replica acknowledged a write on the master within 5 s`);
  const r = await open(replica);
  const back = await r.get(key);
  await master.del(key);
  if (back !== value)
    throw new Error(`wrote ${key} on the master but replica ${replica} returned ${JSON.stringify(back)}`);
}
