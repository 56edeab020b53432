// What a roll did to a stack's pods, as the fault suite judges a `pulumi up` that changes them:
// which pods were replaced, and how many of each StatefulSet were stopped, or not Ready, at once.
import { Kubectl } from "./cluster";

/** Each pod's name and uid: a pod the roll replaced has a new uid under the same name. */
export async function podUids(kubectl: Kubectl, namespace: string): Promise<Map<string, string>> {
  const pods = (await kubectl.json(["-n", namespace, "get", "pods"])).items;
  return new Map(pods.map((p: any) => [p.metadata.name, p.metadata.uid]));
}

const statefulSetOf = (pod: string) => pod.replace(/-[0-9]+$/, "");

/** Per StatefulSet, the most of its pods seen at one time in each state during a roll. */
export interface RollWatch {
  /** Not Ready: stopped, starting, or up but failing its readiness probe (a ZooKeeper electing a leader, say). */
  readonly notReady: Map<string, number>;
  /** Stopped: gone, terminating, or with a container not running. What "one pod at a time" limits. */
  readonly stopped: Map<string, number>;
}

const ready = (p: any) => p?.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");
const running = (p: any) =>
  p &&
  !p.metadata.deletionTimestamp &&
  (p.status.containerStatuses ?? []).length > 0 &&
  p.status.containerStatuses.every((c: any) => c.state?.running);

/** Runs `f` while polling the pods of `pods`' StatefulSets; returns its result and what the roll did to them. */
export async function watchingRoll<T>(
  kubectl: Kubectl,
  namespace: string,
  pods: readonly string[],
  f: () => Promise<T>,
): Promise<[T, RollWatch]> {
  const watch: RollWatch = { notReady: new Map(), stopped: new Map() };
  const record = (into: Map<string, number>, sts: string, n: number) => into.set(sts, Math.max(into.get(sts) ?? 0, n));
  let rolling = true;
  const watcher = (async () => {
    while (rolling) {
      const items: any[] = (await kubectl.json(["-n", namespace, "get", "pods"])).items;
      const byName = new Map(items.map((p) => [p.metadata.name, p]));
      for (const sts of new Set(pods.map(statefulSetOf))) {
        const members = pods.filter((p) => statefulSetOf(p) === sts).map((p) => byName.get(p));
        record(watch.notReady, sts, members.filter((p) => !ready(p)).length);
        record(watch.stopped, sts, members.filter((p) => !running(p)).length);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  const result = await f().finally(() => (rolling = false));
  await watcher;
  return [result, watch];
}
