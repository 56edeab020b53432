// Forms a Redis Cluster the way `redis-cli --cluster create` does, but idempotently: it looks at
// live state first, adopts a cluster that is already right without a single write, finishes one
// a previous run left half-formed, and moves slots (keys included) to masters added by scale-out.
// Anything it cannot explain (foreign nodes, keys on a node outside the cluster, conflicting
// slot owners, a cluster this stack did not form) stops the run before any write. No Pulumi import.
import Redis from "ioredis";
import { SLOTS, evenSlotRanges, leastLoaded, rebalanceMoves, toRanges } from "./slot-plan";
import { isFailing, myself, parseClusterNodes } from "./cluster-nodes";
import { OWNERSHIP_HELP, unplannedNodes, unrecordedNodes } from "./redis-cluster-init-ownership";
import { NodeView, waitForAgreement } from "./cluster-state";
import { Access, Reach, checkAccess, splitEndpoint } from "../../provider-kit/reach";
import { RedisAuth, authOf, parseInfo, withRedisSession } from "../redis-client";
import { KeyMover, NodeState, Writer, migrateSlot, resumeOpenSlots } from "./redis-cluster-slot-moves";

export interface ClusterInitInputs extends RedisAuth {
  /** `host:port` of every node as announced inside the cluster, in ordinal order. */
  readonly nodes: readonly string[];
  readonly replicasPerMaster: number;
  readonly access?: Access;
  /** How long to wait for the cluster to converge. Defaults to 60 s. */
  readonly convergeTimeoutMs?: number;
}

export type ClusterInitAction = "adopted" | "formed" | "completed" | "scaled";

export interface ClusterInitResult {
  readonly action: ClusterInitAction;
  /** State-changing commands sent; 0 when an existing cluster was adopted. */
  readonly writes: number;
  /** Master endpoints, in node order. */
  readonly masters: string[];
  /** Replica endpoint -> master endpoint. */
  readonly replicaOf: Record<string, string>;
  /** Endpoint -> cluster node id. */
  readonly nodeIds: Record<string, string>;
}

function validateInputs(i: ClusterInitInputs): number {
  if (new Set(i.nodes).size !== i.nodes.length)
    throw new Error(`redis cluster init: the node list has duplicates: ${i.nodes.join(", ")}`);
  const group = 1 + i.replicasPerMaster;
  if (!Number.isInteger(i.replicasPerMaster) || i.replicasPerMaster < 0 || i.nodes.length % group !== 0) {
    throw new Error(
      `redis cluster init: ${i.nodes.length} nodes cannot be split into masters with ${i.replicasPerMaster} replica(s) each`,
    );
  }
  const masters = i.nodes.length / group;
  if (masters < 3)
    throw new Error(`redis cluster init: ${masters} masters is too few; Redis Cluster needs at least 3 to fail over`);
  return masters;
}

async function inspect(endpoint: string, client: Redis): Promise<NodeState> {
  // One round trip: the three replies arrive together.
  const [info, nodes, keys] = await Promise.all([
    client.call("INFO", "cluster"),
    client.call("CLUSTER", "NODES").catch((e: Error) => e),
    client.call("DBSIZE"),
  ]);
  if (parseInfo(String(info)).get("cluster_enabled") !== "1")
    throw new Error(`${endpoint} was not started with cluster-enabled yes; it cannot join a cluster`);
  if (nodes instanceof Error) throw nodes;
  const view = parseClusterNodes(String(nodes));
  return { endpoint, client, view, me: myself(view), keys: Number(keys) };
}

/** Everything that must stop the run before a single write; `ownership` from redis-cluster-init-ownership. */
function refuseForeign(states: readonly NodeState[], ownership: readonly string[]): void {
  const ours = new Set(states.map((s) => s.me.id));
  const problems: string[] = [];
  for (const s of states) {
    const foreign = s.view.filter((e) => !ours.has(e.id) && !e.flags.includes("handshake"));
    if (foreign.length) {
      problems.push(
        `${s.endpoint} (node ${s.me.id}) belongs to a different cluster: it knows ${foreign.map((f) => `${f.id} at ${f.address}`).join(", ")}, which are not in this stack's node list. If those nodes are gone for good, remove them with CLUSTER FORGET; otherwise fix the node list`,
      );
    }
    if (s.keys > 0 && s.me.slots.length === 0 && !s.me.masterId) {
      problems.push(
        `${s.endpoint} (node ${s.me.id}) holds ${s.keys} key(s) but serves no slot of this cluster; it holds foreign data. Move or delete that data yourself, then run again`,
      );
    }
  }
  const owner = new Map<number, string>();
  for (const s of states) {
    for (const slot of s.me.slots) {
      const prev = owner.get(slot);
      if (prev && prev !== s.endpoint)
        problems.push(
          `slot ${slot} is claimed by both ${prev} and ${s.endpoint}; resolve it with redis-cli --cluster fix`,
        );
      owner.set(slot, s.endpoint);
    }
  }
  problems.push(...ownership);
  if (problems.length === 0) return;
  const help = ownership.length ? `\n${OWNERSHIP_HELP}` : "";
  throw new Error(
    `redis cluster init stopped; nothing was changed:\n  - ${[...new Set(problems)].join("\n  - ")}${help}`,
  );
}

/**
 * Slots no node serves, in a cluster that has served them: one this stack recorded, or one whose
 * nodes hold keys (a cluster missing slots refuses every command, so keys mean it was whole once).
 * Their keys went with the node that was forgotten or lost; handing them out would serve them empty.
 */
function refuseOrphanedSlots(states: readonly NodeState[], recorded: boolean): void {
  const served = new Set(states.flatMap((s) => s.me.slots));
  if (served.size === 0 || served.size === SLOTS) return;
  const keys = states.reduce((n, s) => n + s.keys, 0);
  if (!recorded && keys === 0) return; // a first run that stopped half-way: nothing was ever served
  const free = Array.from({ length: SLOTS }, (_, s) => s).filter((s) => !served.has(s));
  const ranges = toRanges(free).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  throw new Error(
    `redis cluster init stopped; nothing was changed: slots ${ranges.slice(0, 4).join(",")}${ranges.length > 4 ? ",…" : ""} ` +
      `(${free.length} of ${SLOTS}) have no owner in a cluster that has served data (${recorded ? "formed by this stack" : `${keys} key(s) on its nodes`}). ` +
      "The node that served them was forgotten or lost, and their keys with it; init never hands a served slot out empty. " +
      "Bring that node's volume back if it exists. If those keys are lost for good, assign the slots yourself (redis-cli --cluster fix), knowing they come back empty",
  );
}

function isAdoptable(states: readonly NodeState[], masters: number, replicas: number): boolean {
  const ids = states.map((s) => s.me.id);
  const owners = states.filter((s) => s.me.slots.length > 0);
  const assigned = owners.reduce((n, s) => n + s.me.slots.length, 0);
  const ownerIds = new Set(owners.map((s) => s.me.id));
  return (
    states.every((s) =>
      ids.every((id) => s.view.some((e) => e.id === id && !isFailing(e) && !e.flags.includes("handshake"))),
    ) &&
    states.every((s) => s.me.migrating.size === 0 && s.me.importing.size === 0) &&
    assigned === SLOTS &&
    owners.length === masters &&
    states.every((s) => ownerIds.has(s.me.id) || (s.me.masterId !== undefined && ownerIds.has(s.me.masterId))) &&
    owners.every((o) => states.filter((s) => s.me.masterId === o.me.id).length === replicas)
  );
}

/**
 * `formed` is the endpoint -> node id record of the cluster this stack formed, from state; without
 * one (a create), the nodes must be empty or laid out as this stack would form them.
 */
export async function initCluster(
  inputs: ClusterInitInputs,
  formed?: Readonly<Record<string, string>>,
): Promise<ClusterInitResult> {
  const masterCount = validateInputs(inputs);
  const auth: RedisAuth = authOf(inputs);
  const timeoutMs = inputs.convergeTimeoutMs ?? 60000;
  await checkAccess(inputs.access, inputs.nodes);
  return withRedisSession(inputs.access, auth, async (session) => {
    const clients = await session.connectAll(inputs.nodes);
    const states = await Promise.all(inputs.nodes.map((e) => inspect(e, clients.get(e)!)));
    refuseForeign(states, formed ? unrecordedNodes(states, formed) : unplannedNodes(states, inputs.replicasPerMaster));
    refuseOrphanedSlots(states, formed !== undefined);
    const w = new Writer();
    const action: ClusterInitAction = isAdoptable(states, masterCount, inputs.replicasPerMaster)
      ? "adopted"
      : await converge(
          w,
          new KeyMover(session, auth),
          states,
          masterCount,
          inputs.replicasPerMaster,
          session.reach,
          timeoutMs,
        );
    const agreed = await waitForAgreement(
      states.map((s) => ({ endpoint: s.endpoint, client: s.client })),
      timeoutMs,
    );
    return summarize(action, w.count, agreed);
  });
}

/** The nodes' addresses inside the cluster (what MEET and MIGRATE name), looked up once each. */
function addressBook(reach: Reach): (s: NodeState) => Promise<string> {
  const ips = new Map<string, string>();
  return async (s) => ips.get(s.endpoint) ?? ips.set(s.endpoint, await reach.internalIp(s.endpoint)).get(s.endpoint)!;
}

/**
 * Converges the nodes to `masterCount` masters with `replicas` replicas each, in phases: finish
 * interrupted slot moves, choose the masters, give out unserved slots, have every pair meet,
 * place the replicas, and (on a cluster that had slots) move slots to masters added by scale-out.
 */
async function converge(
  w: Writer,
  mover: KeyMover,
  states: NodeState[],
  masterCount: number,
  replicas: number,
  reach: Reach,
  timeoutMs: number,
): Promise<ClusterInitAction> {
  const fresh = states.every((s) => s.me.slots.length === 0 && !s.me.masterId && s.view.length === 1);
  const hadSlots = states.some((s) => s.me.slots.length > 0);
  const ipOf = addressBook(reach);
  await resumeOpenSlots(w, mover, states, reach);
  const masters = chooseMasters(states, masterCount);
  await assignFreeSlots(w, states, masters, masterCount);
  await meetEveryPair(w, states, ipOf);
  await waitForMembership(states, timeoutMs);
  await placeReplicas(w, states, masters, replicas);
  if (w.count > 0) await announce(w, states, ipOf);
  const scaled = hadSlots && (await rebalance(w, mover, states, masters, ipOf, timeoutMs));
  if (scaled) return "scaled";
  return fresh ? "formed" : "completed";
}

/** Every slot owner stays master; the first other nodes that follow no master fill up to masterCount. */
function chooseMasters(states: readonly NodeState[], masterCount: number): NodeState[] {
  const owners = states.filter((s) => s.me.slots.length > 0);
  if (owners.length > masterCount) {
    throw new Error(
      `the cluster has ${owners.length} masters serving slots but ${masterCount} are configured; scaling in is not supported, so nothing was changed`,
    );
  }
  const ownerIds = new Set(owners.map((s) => s.me.id));
  const candidates = states.filter((s) => !ownerIds.has(s.me.id) && !(s.me.masterId && ownerIds.has(s.me.masterId)));
  return [...owners, ...candidates.slice(0, masterCount - owners.length)].sort(
    (a, b) => states.indexOf(a) - states.indexOf(b),
  );
}

/** Slots nobody serves yet: an even split on a fresh cluster, else shared by the masters that have none. */
async function assignFreeSlots(
  w: Writer,
  states: readonly NodeState[],
  masters: readonly NodeState[],
  masterCount: number,
): Promise<void> {
  const assigned = new Set(states.flatMap((s) => s.me.slots));
  if (assigned.size === 0) {
    const ranges = evenSlotRanges(masterCount);
    // All masters at once: each one's rejoin delay runs from its own ADDSLOTS, so the last one sets the pace.
    await Promise.all(
      masters.map(async (m, i) => {
        await w.send(m.client, "CLUSTER", "ADDSLOTSRANGE", ranges[i][0], ranges[i][1]);
        // Distinct epochs spare the cluster a round of epoch-collision resolution.
        if (m.view.length === 1 && m.me.configEpoch === 0)
          await w.send(m.client, "CLUSTER", "SET-CONFIG-EPOCH", i + 1).catch(() => undefined);
      }),
    );
  } else if (assigned.size < SLOTS) {
    const free = Array.from({ length: SLOTS }, (_, s) => s).filter((s) => !assigned.has(s));
    const takers = masters.filter((m) => m.me.slots.length === 0);
    const receivers = takers.length ? takers : masters;
    for (const [i, m] of receivers.entries()) {
      const share = free.filter((_, k) => k % receivers.length === i);
      for (const [a, b] of toRanges(share)) await w.send(m.client, "CLUSTER", "ADDSLOTSRANGE", a, b);
    }
  }
}

/** Every pair meets directly: waiting for gossip to introduce them takes seconds, one MEET per pair milliseconds. */
async function meetEveryPair(
  w: Writer,
  states: readonly NodeState[],
  ipOf: (s: NodeState) => Promise<string>,
): Promise<void> {
  for (const [i, a] of states.entries()) {
    const known = new Set(
      parseClusterNodes(String(await a.client.call("CLUSTER", "NODES")))
        .filter((e) => !e.flags.includes("handshake"))
        .map((e) => e.id),
    );
    for (const b of states.slice(i + 1)) {
      if (!known.has(b.me.id)) await w.send(a.client, "CLUSTER", "MEET", await ipOf(b), splitEndpoint(b.endpoint).port);
    }
  }
}

/** Keeps replicas already following a master; assigns the rest where replicas are missing. */
async function placeReplicas(
  w: Writer,
  states: readonly NodeState[],
  masters: readonly NodeState[],
  replicas: number,
): Promise<void> {
  const masterIds = new Set(masters.map((m) => m.me.id));
  const load = new Map(masters.map((m) => [m.me.id, 0]));
  const followers = states.filter((s) => !masterIds.has(s.me.id));
  const unplaced: NodeState[] = [];
  for (const f of followers) {
    if (f.me.masterId && load.has(f.me.masterId) && load.get(f.me.masterId)! < replicas)
      load.set(f.me.masterId, load.get(f.me.masterId)! + 1);
    else unplaced.push(f);
  }
  for (const f of unplaced) {
    const loads = masters.map((m) => load.get(m.me.id)!);
    const target = masters[leastLoaded(loads, (followers.indexOf(f) + 1) % masters.length)];
    if (load.get(target.me.id)! >= replicas)
      throw new Error(`${f.endpoint} has no master left to replicate; the node list and replicasPerMaster disagree`);
    load.set(target.me.id, load.get(target.me.id)! + 1);
    await w.send(f.client, "CLUSTER", "REPLICATE", target.me.id);
  }
}

/** Scale-out: masters that joined a fully assigned cluster receive their share, keys included. Whether any slot moved. */
async function rebalance(
  w: Writer,
  mover: KeyMover,
  states: readonly NodeState[],
  masters: readonly NodeState[],
  ipOf: (s: NodeState) => Promise<string>,
  timeoutMs: number,
): Promise<boolean> {
  // A new master must see the whole cluster before it can accept migrated keys (else CLUSTERDOWN).
  await waitForAgreement(
    states.map((s) => ({ endpoint: s.endpoint, client: s.client })),
    timeoutMs,
  );
  const current = await Promise.all(masters.map((m) => inspect(m.endpoint, m.client)));
  const moves = rebalanceMoves(new Map(current.map((m) => [m.me.id, m.me.slots])));
  const byId = new Map(current.map((m) => [m.me.id, m]));
  for (const mv of moves) {
    const to = byId.get(mv.to)!;
    await migrateSlot(
      w,
      mover,
      mv.slot,
      byId.get(mv.from)!,
      to,
      await ipOf(to),
      current.filter((c) => c.me.id !== mv.from && c.me.id !== mv.to),
    );
  }
  return moves.length > 0;
}

/**
 * Each node's slots and role travel in its packet headers, which peers apply only once they know
 * the sender; otherwise they spread at the next random ping, seconds later. A MEET to a peer that
 * is already known carries the header now (the duplicate handshake it opens is dropped by Redis).
 */
async function announce(
  w: Writer,
  states: readonly NodeState[],
  ipOf: (s: NodeState) => Promise<string>,
): Promise<void> {
  for (const a of states) {
    for (const b of states)
      if (a !== b) await w.send(a.client, "CLUSTER", "MEET", await ipOf(b), splitEndpoint(b.endpoint).port);
  }
}

async function waitForMembership(states: readonly NodeState[], timeoutMs: number): Promise<void> {
  const ids = states.map((s) => s.me.id);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(
      states.map(async (s) => parseClusterNodes(String(await s.client.call("CLUSTER", "NODES")))),
    );
    const missing = states.flatMap((s, i) => {
      const lacking = ids.filter(
        (id) => !views[i].some((e) => e.id === id && !e.flags.includes("handshake") && !e.flags.includes("noaddr")),
      );
      return lacking.length ? [`${s.endpoint} does not know ${lacking.length} node(s) yet`] : [];
    });
    if (missing.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `nodes did not all meet within ${timeoutMs} ms (check that the cluster bus port, client port + 10000, is open between pods):\n  - ${missing.join("\n  - ")}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

function summarize(action: ClusterInitAction, writes: number, views: readonly NodeView[]): ClusterInitResult {
  // All views agree; any one describes the cluster.
  const me = views.map((v) => myself(v.nodes));
  const byId = new Map(me.map((n, i) => [n.id, views[i].endpoint]));
  const masters = views.filter((_, i) => me[i].slots.length > 0).map((v) => v.endpoint);
  const replicaOf: Record<string, string> = {};
  me.forEach((n, i) => n.masterId && (replicaOf[views[i].endpoint] = byId.get(n.masterId) ?? n.masterId));
  return {
    action,
    writes,
    masters,
    replicaOf,
    nodeIds: Object.fromEntries(views.map((v, i) => [v.endpoint, me[i].id])),
  };
}
