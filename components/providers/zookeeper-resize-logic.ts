// Why a ZooKeeper resize is guarded: reconfig is disabled, so every member reads the ensemble from
// its static zoo.cfg. A StatefulSet roll moves members onto the new list one at a time, and in
// between the old majority (say 2 of 3) and the new one (3 of 5: the new, empty members plus one
// rolled member) can each elect a leader and accept writes. A resize is safe only with every member
// stopped, and only the operator can stop the writers first. No Pulumi import.
import { fourLetterWord } from "./zookeeper-health-logic";
import { Access, openReach } from "./reach";

export interface ZooKeeperResizeInputs {
  readonly replicas: number;
  /** The operator's acknowledgement: the member count the ensemble had when they stopped it. */
  readonly resizeFrom?: number;
  /** `host:port` client endpoint of every member, as recorded for the running size. */
  readonly servers: readonly string[];
  readonly access?: Access;
}

/** Why a change from `before` to `after` members is refused at preview; undefined when it may go ahead. */
export function resizeRefusal(before: number | undefined, after: number, resizeFrom: number | undefined): string | undefined {
  if (before === undefined || before === after || resizeFrom === before) return undefined;
  const ack = resizeFrom === undefined ? "" : ` (zookeeper.resizeFrom is ${resizeFrom}, but the ensemble has ${before} members)`;
  return `zookeeper.replicas: changing a running ensemble from ${before} to ${after} members is refused${ack}: members would roll one by one onto the new ` +
    "member list, and meanwhile the old and the new majority could each elect a leader and accept writes. Resize it stopped " +
    `(README, "Resizing the ZooKeeper ensemble"): stop every writer, scale the StatefulSet to 0, set zookeeper.resizeFrom to ${before}, then run up`;
}

/**
 * Stops the resize while any recorded member still answers: its members would otherwise roll onto
 * the new list one at a time, the very split the acknowledgement promised to avoid.
 */
export async function assertEnsembleStopped(servers: readonly string[], access: Access | undefined): Promise<void> {
  const reach = openReach(access);
  try {
    const serving = await Promise.all(servers.map(async (s) => {
      const local = await reach.local(s).catch(() => undefined);
      if (!local) return undefined;
      // Any answer counts, even "not currently serving requests": the process is up and would rejoin.
      const reply = await fourLetterWord(local, "srvr").catch(() => "");
      return reply.length > 0 ? s : undefined;
    }));
    const running = serving.filter((s): s is string => s !== undefined);
    if (running.length) {
      throw new Error(`ZooKeeper resize stopped before any change: ${running.join(", ")} still answer${running.length === 1 ? "s" : ""}. ` +
        "Stop every writer, scale the StatefulSet to 0 (kubectl scale statefulset <name> --replicas=0), wait until no member pod is left, then run up again");
    }
  } finally {
    reach.close();
  }
}
