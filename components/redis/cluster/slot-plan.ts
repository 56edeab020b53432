// Pure Redis Cluster arithmetic: slot ranges, key slots, replica placement, rebalancing moves.

export const SLOTS = 16384;

export type SlotRange = readonly [number, number];

/** Slots 0..16383 split into `masters` contiguous ranges whose sizes differ by at most one. */
export function evenSlotRanges(masters: number): SlotRange[] {
  const out: SlotRange[] = [];
  let start = 0;
  for (let i = 0; i < masters; i++) {
    const size = Math.floor(SLOTS / masters) + (i < SLOTS % masters ? 1 : 0);
    out.push([start, start + size - 1]);
    start += size;
  }
  return out;
}

/** Contiguous ranges covering the given slots, e.g. [1,2,3,7] -> [[1,3],[7,7]]. */
export function toRanges(slots: Iterable<number>): SlotRange[] {
  const sorted = [...slots].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s === last[1] + 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}

/** CRC16/XMODEM, the hash Redis Cluster uses for key slots. */
function crc16(buf: Buffer): number {
  let crc = 0;
  for (const byte of buf) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The slot of a key, honouring {hash tags} as Redis does. */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key)) % SLOTS;
}

/** A short key that hashes to `slot`: lets a check write to every master deliberately. */
export function keyForSlot(slot: number, prefix: string): string {
  for (let i = 0; ; i++) {
    const tag = `${i.toString(36)}`;
    if (keySlot(tag) === slot) return `${prefix}{${tag}}`;
  }
}

/** The least-loaded index, scanning from `start` so ties go to the first at or after it. */
export function leastLoaded(load: readonly number[], start: number): number {
  let best = -1;
  for (let k = 0; k < load.length; k++) {
    const m = (start + k) % load.length;
    if (best < 0 || load[m] < load[best]) best = m;
  }
  return best;
}

/**
 * Which master each replica follows: replica j goes to the master with the fewest replicas so far,
 * scanning from one past its own index, so with ordinal-ordered nodes replica j never lands on
 * master j (the node created at the same position).
 */
export function replicaTargets(masterCount: number, replicaCount: number): number[] {
  const load = new Array<number>(masterCount).fill(0);
  return Array.from({ length: replicaCount }, (_, j) => {
    const m = leastLoaded(load, (j + 1) % masterCount);
    load[m]++;
    return m;
  });
}

/** Nodes of a cluster with `masters` masters, each with `replicasPerMaster` replicas. */
export function clusterSize(masters: number, replicasPerMaster: number): number {
  return masters * (1 + replicasPerMaster);
}

/** One master's share of the cluster this stack forms: its slots and the nodes (ordinals) that serve them. */
export interface Shard {
  readonly range: SlotRange;
  /** Ordinals in the node list; the first is the master it is formed with, the rest its replicas. */
  readonly members: readonly number[];
}

/**
 * The cluster this stack forms from `nodeCount` fresh nodes: the first `nodeCount / (1 + replicas)`
 * are masters with even slot ranges, the rest replicas placed by `replicaTargets`. A failover swaps
 * roles inside a shard, never across shards, so the shards stay recognisable for the cluster's life.
 */
export function formationPlan(nodeCount: number, replicasPerMaster: number): Shard[] {
  const masterCount = nodeCount / (1 + replicasPerMaster);
  const members = Array.from({ length: masterCount }, (_, i) => [i]);
  replicaTargets(masterCount, nodeCount - masterCount).forEach((m, j) => members[m].push(masterCount + j));
  return evenSlotRanges(masterCount).map((range, i) => ({ range, members: members[i] }));
}

export interface SlotMove {
  readonly slot: number;
  readonly from: string;
  readonly to: string;
}

/**
 * Moves that bring every master to within one slot of an even share, taking from the masters
 * that have the most. `owned` maps master id -> its slots; masters with none are receivers.
 */
export function rebalanceMoves(owned: ReadonlyMap<string, readonly number[]>): SlotMove[] {
  const ids = [...owned.keys()].sort();
  const total = ids.reduce((n, id) => n + owned.get(id)!.length, 0);
  const target = new Map(ids.map((id, i) => [id, Math.floor(total / ids.length) + (i < total % ids.length ? 1 : 0)]));
  // The ids with the most slots keep the larger shares, so fewer slots move.
  const bySize = [...ids].sort((a, b) => owned.get(b)!.length - owned.get(a)!.length || a.localeCompare(b));
  const shares = [...target.values()].sort((a, b) => b - a);
  bySize.forEach((id, i) => target.set(id, shares[i]));
  const spare: { id: string; slots: number[] }[] = [];
  const need: { id: string; n: number }[] = [];
  for (const id of ids) {
    const have = [...owned.get(id)!].sort((a, b) => b - a);
    const t = target.get(id)!;
    if (have.length > t) spare.push({ id, slots: have.slice(0, have.length - t) });
    else if (have.length < t) need.push({ id, n: t - have.length });
  }
  const moves: SlotMove[] = [];
  for (const receiver of need) {
    while (receiver.n > 0) {
      const donor = spare.find((d) => d.slots.length > 0)!;
      moves.push({ slot: donor.slots.pop()!, from: donor.id, to: receiver.id });
      receiver.n--;
    }
  }
  return moves;
}
