// What a roll did to a stack's pods, as the e2e and fault suites judge a `pulumi up` that changes
// them: which pods were replaced, and how many of each StatefulSet were not Ready at once.
import { Kubectl } from "./cluster";

/** Each pod's name and uid: a pod the roll replaced has a new uid under the same name. */
export async function podUids(kubectl: Kubectl, namespace: string): Promise<Map<string, string>> {
  const pods = (await kubectl.json(["-n", namespace, "get", "pods"])).items;
  return new Map(pods.map((p: any) => [p.metadata.name, p.metadata.uid]));
}

const statefulSetOf = (pod: string) => pod.replace(/-[0-9]+$/, "");

/**
 * Runs `f` while polling the pods' Ready condition; returns its result and, per StatefulSet of
 * `pods`, the most of them that were not Ready at one time.
 */
export async function watchingReadiness<T>(
  kubectl: Kubectl,
  namespace: string,
  pods: readonly string[],
  f: () => Promise<T>,
): Promise<[T, Map<string, number>]> {
  const worst = new Map<string, number>();
  let rolling = true;
  const watcher = (async () => {
    while (rolling) {
      const items = (await kubectl.json(["-n", namespace, "get", "pods"])).items;
      const ready = new Set(
        items
          .filter((p: any) => p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"))
          .map((p: any) => p.metadata.name),
      );
      for (const sts of new Set(pods.map(statefulSetOf))) {
        const down = pods.filter((p) => statefulSetOf(p) === sts && !ready.has(p)).length;
        worst.set(sts, Math.max(worst.get(sts) ?? 0, down));
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  const result = await f().finally(() => (rolling = false));
  await watcher;
  return [result, worst];
}
