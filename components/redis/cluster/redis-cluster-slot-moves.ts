// Moving Redis Cluster slots with their keys, as redis-cli --cluster reshard does: mark the slot
// importing and migrating, MIGRATE its keys in batches, then settle the new owner on every node.
// Also finishes moves an earlier, interrupted run left open. No Pulumi import.
import Redis from "ioredis";
import { ClusterNodeEntry } from "./cluster-nodes";
import { Reach, splitEndpoint } from "../../provider-kit/reach";
import { RedisAuth, RedisSession } from "../redis-client";

/** A node as cluster init sees it: its connection, its own view of the cluster, its keys. */
export interface NodeState {
  readonly endpoint: string;
  readonly client: Redis;
  readonly view: ClusterNodeEntry[];
  readonly me: ClusterNodeEntry;
  readonly keys: number;
}

/** Sends state-changing commands, counting them (a cluster adopted as it is takes none). */
export class Writer {
  count = 0;
  async send(client: Redis, ...args: (string | number)[]): Promise<unknown> {
    this.count++;
    return client.call(String(args[0]), ...args.slice(1).map(String));
  }
}

/** Moves one slot, keys included, from `from` to `to` (reachable from the nodes at `toIp`). */
export async function migrateSlot(
  w: Writer,
  mover: KeyMover,
  slot: number,
  from: NodeState,
  to: NodeState,
  toIp: string,
  others: readonly NodeState[],
): Promise<void> {
  await w.send(to.client, "CLUSTER", "SETSLOT", slot, "IMPORTING", from.me.id);
  await w.send(from.client, "CLUSTER", "SETSLOT", slot, "MIGRATING", to.me.id);
  await mover.moveKeys(w, slot, from, to, toIp);
  await settleSlot(w, slot, to, [from, ...others]);
}

/** Keys per MIGRATE: bounds how long one call blocks the source (redis-cli --cluster moves 10 at a time). */
const MIGRATE_BATCH = 100;
/** MIGRATE's own timeout: how long the source waits on an unresponsive target before failing the call. */
const MIGRATE_IDLE_MS = 10000;
/**
 * How long we wait for one MIGRATE's answer. Its idle timeout does not bound its total time (a
 * batch of large keys), so this is far longer; a shorter wait would report a failure while the
 * server goes on moving the keys.
 */
const MIGRATE_ANSWER_MS = 120000;

/** Moves a slot's keys with MIGRATE, on connections (one per source) that wait as long as a MIGRATE may take. */
export class KeyMover {
  private readonly sources = new Map<string, Promise<Redis>>();

  constructor(
    private readonly session: RedisSession,
    private readonly auth: RedisAuth,
  ) {}

  async moveKeys(w: Writer, slot: number, from: NodeState, to: NodeState, toIp: string): Promise<void> {
    const port = splitEndpoint(to.endpoint).port;
    const auth = this.auth.password
      ? this.auth.username
        ? ["AUTH2", this.auth.username, this.auth.password]
        : ["AUTH", this.auth.password]
      : [];
    if (!this.sources.has(from.endpoint))
      this.sources.set(from.endpoint, this.session.connect(from.endpoint, MIGRATE_ANSWER_MS));
    const source = await this.sources.get(from.endpoint)!;
    for (;;) {
      const keys = (await from.client.call(
        "CLUSTER",
        "GETKEYSINSLOT",
        String(slot),
        String(MIGRATE_BATCH),
      )) as string[];
      if (keys.length === 0) return;
      // REPLACE: after an interrupted MIGRATE the source copy is the authoritative one.
      await w
        .send(source, "MIGRATE", toIp, port, "", 0, MIGRATE_IDLE_MS, "REPLACE", ...auth, "KEYS", ...keys)
        .catch((e: Error) => {
          throw new Error(
            `moving ${keys.length} key(s) of slot ${slot} from ${from.endpoint} to ${to.endpoint} failed (${e.message.split("\n")[0]}); ` +
              "the slot stays marked migrating/importing with its keys on one node or the other, none lost, and the next run finishes the move",
          );
        });
    }
  }
}

/** Declares `to` the owner of `slot`, on the new owner first so no request is bounced in between. */
async function settleSlot(w: Writer, slot: number, to: NodeState, others: readonly NodeState[]): Promise<void> {
  await w.send(to.client, "CLUSTER", "SETSLOT", slot, "NODE", to.me.id);
  for (const o of others) await w.send(o.client, "CLUSTER", "SETSLOT", slot, "NODE", to.me.id).catch(() => undefined);
}

/** Finishes slot moves an earlier run left open (MIGRATING on one node, IMPORTING on another). */
export async function resumeOpenSlots(w: Writer, mover: KeyMover, states: NodeState[], reach: Reach): Promise<void> {
  const byId = new Map(states.map((s) => [s.me.id, s]));
  for (const src of states) {
    for (const [slot, targetId] of src.me.migrating) {
      const dst = byId.get(targetId);
      if (!dst)
        throw new Error(
          `slot ${slot} on ${src.endpoint} is migrating to unknown node ${targetId}; resolve it with redis-cli --cluster fix`,
        );
      await mover.moveKeys(w, slot, src, dst, await reach.internalIp(dst.endpoint));
      await settleSlot(w, slot, dst, states.filter((s) => s !== dst && s.me.slots.length > 0).concat(src));
    }
  }
  for (const dst of states) {
    for (const [slot, sourceId] of dst.me.importing) {
      if (byId.get(sourceId)?.me.migrating.has(slot)) continue; // finished above
      const held = Number(await dst.client.call("CLUSTER", "COUNTKEYSINSLOT", String(slot)));
      if (held > 0)
        throw new Error(
          `slot ${slot} on ${dst.endpoint} is importing from ${sourceId} and already holds ${held} key(s); resolve it with redis-cli --cluster fix`,
        );
      await w.send(dst.client, "CLUSTER", "SETSLOT", slot, "STABLE");
    }
  }
}
