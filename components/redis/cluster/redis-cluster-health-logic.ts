// Asserts that a Redis Cluster is really serving: every node reachable and agreeing, all 16384
// slots ok, the expected masters each with connected replicas, nothing in fail/pfail, and a real
// write/read through a cluster client on every master. No Pulumi import.
import { Cluster } from "ioredis";
import { SLOTS, keyForSlot } from "./slot-plan";
import { isFailing, myself } from "./cluster-nodes";
import { NodeView, disagreement, readView } from "./cluster-state";
import { HealthError, collect } from "../../health/health-error";
import { Access, Reach, splitEndpoint } from "../../provider-kit/reach";
import { CertificateCheck, tlsOptions } from "../../provider-kit/client-tls";
import { DEFAULT_TIMEOUT_MS, RedisAuth, authOf, withRedisSession } from "../redis-client";

export interface ClusterHealthInputs extends RedisAuth, CertificateCheck {
  readonly nodes: readonly string[];
  readonly expectedMasters: number;
  readonly replicasPerMaster: number;
  readonly access?: Access;
}

export interface ClusterHealthReport {
  readonly state: "ok";
  readonly masters: number;
  readonly replicas: number;
  readonly slotsOk: number;
  /** Keys written and read back, one per master. */
  readonly keysVerified: number;
}

export async function assertClusterHealthy(inputs: ClusterHealthInputs): Promise<ClusterHealthReport> {
  const problems: string[] = [];
  return withRedisSession(inputs.access, authOf(inputs), async (session) => {
    const views: NodeView[] = [];
    await Promise.all(
      inputs.nodes.map((endpoint) =>
        collect(problems, async () => {
          const client = await session.connect(endpoint);
          views.push(await readView({ endpoint, client }));
        }),
      ),
    );
    views.sort((a, b) => inputs.nodes.indexOf(a.endpoint) - inputs.nodes.indexOf(b.endpoint));
    for (const v of views) {
      const ok = Number(v.info.get("cluster_slots_ok"));
      const assigned = Number(v.info.get("cluster_slots_assigned"));
      if (assigned !== SLOTS || ok !== SLOTS)
        problems.push(
          `${v.endpoint} sees ${assigned} slots assigned and ${ok} ok of ${SLOTS}; run the cluster init again or check failed masters`,
        );
      for (const n of v.nodes.filter(isFailing)) {
        problems.push(
          `${v.endpoint} marks node ${n.id} (${n.hostname || n.address}) as ${n.flags.filter((f) => f.startsWith("fail") || f === "noaddr").join(",")}; look at that pod's status and logs`,
        );
      }
    }
    problems.push(...disagreement(views).filter((p) => !problems.includes(p)));
    if (inputs.minValidDays !== undefined) problems.push(...session.expiringCertificates(inputs.minValidDays));
    const reference = views[0];
    let replicas = 0;
    if (reference) {
      const masters = reference.nodes.filter((n) => n.flags.includes("master") && n.slots.length > 0 && !isFailing(n));
      if (masters.length !== inputs.expectedMasters) {
        problems.push(
          `expected ${inputs.expectedMasters} masters serving slots, found ${masters.length} (${masters.map((m) => m.hostname || m.address).join(", ")})`,
        );
      }
      for (const m of masters) {
        const followers = reference.nodes.filter(
          (n) => n.masterId === m.id && !isFailing(n) && n.linkState === "connected",
        );
        replicas += followers.length;
        if (followers.length !== inputs.replicasPerMaster) {
          problems.push(
            `master ${m.hostname || m.address} has ${followers.length} connected replica(s), expected ${inputs.replicasPerMaster}; a replica pod may be down or still syncing`,
          );
        }
      }
      if (problems.length === 0) {
        const keys = await collect(problems, () =>
          writeReadEveryMaster(
            inputs,
            session.reach,
            views,
            masters.map((m) => m.slots[0]),
          ),
        );
        if (problems.length === 0)
          return { state: "ok" as const, masters: masters.length, replicas, slotsOk: SLOTS, keysVerified: keys ?? 0 };
      }
    }
    throw new HealthError("Redis Cluster", problems);
  });
}

/** Writes and reads back one key on each master through a real cluster client. */
async function writeReadEveryMaster(
  inputs: ClusterHealthInputs,
  reach: Reach,
  views: readonly NodeView[],
  slots: number[],
): Promise<number> {
  // The cluster hands a client each node's address as it knows it (the pod IP: see
  // cluster-preferred-endpoint-type in redis-conf.ts); map it, and the node's name, to where this
  // process reaches that node (itself, or a port-forward from outside the cluster).
  const natMap: Record<string, { host: string; port: number }> = {};
  for (const v of views) {
    const local = splitEndpoint(await reach.local(v.endpoint));
    natMap[v.endpoint] = local;
    natMap[myself(v.nodes).address] = local;
  }
  const first = natMap[inputs.nodes[0]];
  const cluster = new Cluster([first], {
    natMap,
    redisOptions: {
      username: inputs.username,
      password: inputs.password,
      ...(inputs.tls ? { tls: tlsOptions(inputs.tls) } : {}),
      protocol: 2,
      connectTimeout: DEFAULT_TIMEOUT_MS,
      commandTimeout: DEFAULT_TIMEOUT_MS,
    },
    clusterRetryStrategy: () => null,
    enableOfflineQueue: true,
    slotsRefreshTimeout: DEFAULT_TIMEOUT_MS,
  });
  cluster.on("error", () => undefined);
  try {
    const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    for (const slot of slots) {
      const key = keyForSlot(slot, "middleware:health:");
      await cluster.set(key, stamp, "PX", 60000);
      const back = await cluster.get(key);
      if (back !== stamp) throw new Error(`wrote ${key} (slot ${slot}) but read back ${JSON.stringify(back)}`);
      await cluster.del(key);
    }
    return slots.length;
  } catch (e) {
    throw new Error(`a write/read through a cluster client failed: ${(e as Error).message}`, { cause: e });
  } finally {
    cluster.disconnect();
  }
}
