// Whose cluster is this? Cluster init writes only to a cluster this stack formed. On create there is
// no record yet (nor after a first create that failed half-way), so the nodes are compared with the
// plan this stack forms from: each node untouched, or where the plan puts it. On update they are
// compared with the node identities recorded in state. Pure: no I/O, no Pulumi import.
import { SlotRange, Shard, formationPlan, toRanges } from "./slot-plan";
import { ClusterNodeEntry } from "./cluster-nodes";

export interface ObservedNode {
  readonly endpoint: string;
  readonly me: ClusterNodeEntry;
  readonly keys: number;
}

/** Appended once to a refusal that lists ownership problems. */
export const OWNERSHIP_HELP =
  "This stack forms a cluster only from empty nodes. It adopts an existing one only when it is laid out as this stack " +
  "lays it out (one it formed before, or one a failed first run left half-formed), and it changes only the cluster whose " +
  "node ids it recorded; it never reshards a cluster formed another way. To hand these nodes to the stack, move their data " +
  "out and reset them (FLUSHALL, then CLUSTER RESET HARD), or give the stack other volumes";

const MAX_RANGES_SHOWN = 4;

function describeSlots(slots: readonly number[]): string {
  const ranges = toRanges(slots).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  const shown = ranges.slice(0, MAX_RANGES_SHOWN).join(",");
  return ranges.length > MAX_RANGES_SHOWN ? `${shown},… (${slots.length} slots in ${ranges.length} ranges)` : shown;
}

/** What a node holds, in the words of a refusal: its role, slots, keys and open slot moves. */
function holding(n: ObservedNode, endpointOf: (id: string) => string): string {
  const open = n.me.migrating.size + n.me.importing.size;
  const detail = `${n.keys} key(s)${open ? `, ${open} slot move(s) open` : ""}`;
  if (n.me.masterId) return `replicates ${endpointOf(n.me.masterId)} (${detail})`;
  if (n.me.slots.length) return `serves slots ${describeSlots(n.me.slots)} (${detail})`;
  return `serves no slot (${detail})`;
}

function isUntouched(n: ObservedNode): boolean {
  return (
    n.me.slots.length === 0 && !n.me.masterId && n.keys === 0 && n.me.migrating.size === 0 && n.me.importing.size === 0
  );
}

function coversExactly(slots: readonly number[], [first, last]: SlotRange): boolean {
  return slots.length === last - first + 1 && slots.every((s) => s >= first && s <= last);
}

function endpointLookup(nodes: readonly ObservedNode[]): (id: string) => string {
  const byId = new Map(nodes.map((n) => [n.me.id, n.endpoint]));
  return (id) => byId.get(id) ?? `node ${id}`;
}

/** Whether a node is where this stack's plan would put it; a failover inside its shard is fine. */
function fitsShard(
  n: ObservedNode,
  shard: number,
  plan: readonly Shard[],
  shardOf: ReadonlyMap<string, number>,
): boolean {
  if (n.me.migrating.size || n.me.importing.size) return false;
  if (n.me.masterId) return shardOf.get(n.me.masterId) === shard;
  return n.me.slots.length === 0 || coversExactly(n.me.slots, plan[shard].range);
}

/** On create: every node that is not untouched must sit where this stack's plan puts it. */
export function unplannedNodes(nodes: readonly ObservedNode[], replicasPerMaster: number): string[] {
  const plan = formationPlan(nodes.length, replicasPerMaster);
  const shardOf = new Map<string, number>();
  plan.forEach((s, i) => s.members.forEach((k) => shardOf.set(nodes[k].me.id, i)));
  const endpointOf = endpointLookup(nodes);
  return nodes.flatMap((n, k) => {
    const shard = shardOf.get(n.me.id)!;
    if (isUntouched(n) || fitsShard(n, shard, plan, shardOf)) return [];
    const { range, members } = plan[shard];
    const slots = `${range[0]}-${range[1]}`;
    const role =
      members[0] === k ? `the master of slots ${slots}` : `a replica of ${nodes[members[0]].endpoint} (slots ${slots})`;
    return [`${n.endpoint} (node ${n.me.id}) ${holding(n, endpointOf)}, but this stack would form it as ${role}`];
  });
}

/** On update: a node whose id differs from the one recorded at its address must hold nothing. */
export function unrecordedNodes(nodes: readonly ObservedNode[], recorded: Readonly<Record<string, string>>): string[] {
  const endpointOf = endpointLookup(nodes);
  return nodes.flatMap((n) => {
    const formedAs = recorded[n.endpoint];
    if (!formedAs || formedAs === n.me.id || isUntouched(n)) return [];
    return [
      `${n.endpoint} is node ${n.me.id} and ${holding(n, endpointOf)}, but this stack formed node ${formedAs} there: its data came from somewhere else (a volume swapped or restored?)`,
    ];
  });
}
