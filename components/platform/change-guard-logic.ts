// Some settings cannot change under running pods without losing data or splitting a cluster (a
// ZooKeeper member count, where the volumes live). A guard refuses such a change at preview: for
// good, or until the operator acknowledges it by naming the old value, and then at up while any
// member still answers. No Pulumi import.
import * as net from "net";
import { Access, checkAccess, openReach, splitEndpoint } from "../provider-kit/reach";

export interface ChangeGuardInputs {
  /** The stack setting guarded, e.g. "zookeeper.replicas". */
  readonly setting: string;
  readonly value: string;
  /**
   * The setting that acknowledges a change by naming the old value, e.g. "zookeeper.resizeFrom".
   * Defaults to none: the change is never made under this stack's resources (its procedure says how).
   */
  readonly ackSetting?: string;
  readonly ack?: string;
  /** What a change under running pods would do. */
  readonly risk: string;
  /** Where the procedure is written: procedureRef(PROCEDURES.x), e.g. `docs/runbooks.md, "Moving the volumes"`. */
  readonly procedure: string;
  /**
   * Whether the value is a list of counts (`masters=3,replicasPerMaster=1`) that may grow: a change
   * that lowers none of them goes through, one that lowers any is refused. Defaults to false: any
   * change is refused.
   */
  readonly growthAllowed?: boolean;
  /** `host:port` of every pod the change affects; all must be stopped when it goes ahead. */
  readonly members: readonly string[];
  /**
   * Whether creating the guard needs the members stopped too: for a setting that cannot be
   * switched under running pods, which a stack deployed before the guard existed may hold (TLS on
   * a cluster bus). On a new stack no pod exists yet when the guard is created. Defaults to false.
   */
  readonly stoppedToCreate?: boolean;
  readonly access?: Access;
}

function counts(value: string): Map<string, number> {
  return new Map(
    value.split(",").map((pair) => {
      const [name, n] = pair.split("=");
      return [name, Number(n)] as const;
    }),
  );
}

/** Whether every count in `after` is at least the one of the same name in `before`. */
export function onlyGrows(before: string, after: string): boolean {
  const now = counts(after);
  return [...counts(before)].every(([name, n]) => (now.get(name) ?? -1) >= n);
}

/** Why a change from `before` is refused at preview; undefined when it may go ahead. */
export function changeRefusal(before: string | undefined, g: ChangeGuardInputs): string | undefined {
  if (before === undefined || before === g.value) return undefined;
  if (g.growthAllowed && onlyGrows(before, g.value)) return undefined;
  const refused = `${g.setting}: changing "${before}" to "${g.value}" on a deployed stack is refused`;
  if (!g.ackSetting) return `${refused}: ${g.risk}. Follow ${g.procedure}`;
  if (g.ack === before) return undefined;
  const stale = g.ack === undefined ? "" : ` (${g.ackSetting} is "${g.ack}", but the deployed value is "${before}")`;
  return `${refused}${stale}: ${g.risk}. Do it with the pods stopped (${g.procedure}), then set ${g.ackSetting} to "${before}" and run up`;
}

const PROBE_MS = 3000;

function answers(local: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(splitEndpoint(local));
    sock.setTimeout(PROBE_MS, () => sock.destroy());
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("close", () => resolve(false));
    sock.once("error", () => resolve(false));
  });
}

/**
 * Throws while any member accepts a connection: an acknowledged change must find the pods stopped,
 * else it would roll them one at a time, the very thing the acknowledgement promised to avoid.
 * A member that cannot be reached at all (no pod, no DNS name) counts as stopped, but only once the
 * access itself is proven to work: from a machine that cannot reach the pods, every member would.
 */
export async function assertMembersStopped(
  g: Pick<ChangeGuardInputs, "setting" | "members" | "access">,
): Promise<void> {
  await checkAccess(g.access, g.members);
  const reach = openReach(g.access);
  try {
    const up = await Promise.all(
      g.members.map(async (m) => {
        const local = await reach.local(m).catch(() => undefined);
        return local !== undefined && (await answers(local)) ? m : undefined;
      }),
    );
    const running = up.filter((m): m is string => m !== undefined);
    if (running.length) {
      throw new Error(
        `${g.setting} change stopped before anything changed: ${running.join(", ")} still accept${running.length === 1 ? "s" : ""} connections. ` +
          "Scale the StatefulSet to 0 (kubectl scale statefulset <name> --replicas=0), wait until no pod is left, then run up again",
      );
    }
  } finally {
    reach.close();
  }
}
