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

/** One line per watch event: type, pod, whether it is being deleted, its Ready status, "r"/"s" per container (running or not). */
const EVENT_LINE =
  "{{.type}} {{.object.metadata.name}} {{if .object.metadata.deletionTimestamp}}deleting{{else}}live{{end}} " +
  '{{range .object.status.conditions}}{{if eq .type "Ready"}}{{.status}}{{end}}{{end}}- ' +
  '{{range .object.status.containerStatuses}}{{if .state.running}}r{{else}}s{{end}}{{end}}-{{"\\n"}}';

interface PodState {
  readonly ready: boolean;
  /** Every container running and the pod not being deleted. */
  readonly running: boolean;
}

/**
 * Runs `f` while watching the pods of `pods`' StatefulSets; returns its result and what the roll
 * did to them. One `kubectl get --watch` for the whole roll, judged on every change: polling with
 * a kubectl every 300 ms cost the node about 0.4 of a core, enough to slow the roll it measured.
 */
export async function watchingRoll<T>(
  kubectl: Kubectl,
  namespace: string,
  pods: readonly string[],
  f: () => Promise<T>,
): Promise<[T, RollWatch]> {
  const watch: RollWatch = { notReady: new Map(), stopped: new Map() };
  const state = new Map<string, PodState>();
  const judge = (sts: string) => {
    const members = pods.filter((p) => statefulSetOf(p) === sts).map((p) => state.get(p));
    const most = (into: Map<string, number>, n: number) => into.set(sts, Math.max(into.get(sts) ?? 0, n));
    most(watch.notReady, members.filter((m) => !m?.ready).length);
    most(watch.stopped, members.filter((m) => !m?.running).length);
  };
  const watcher = kubectl.spawn([
    "-n",
    namespace,
    "get",
    "pods",
    "--watch",
    "--output-watch-events",
    "-o",
    `go-template=${EVENT_LINE}`,
  ]);
  let listed = false;
  let buffered = "";
  watcher.stdout!.setEncoding("utf8");
  watcher.stdout!.on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      const [type, name, deletion, ready, containers] = line.split(" ");
      if (!pods.includes(name)) continue;
      if (type === "DELETED") state.delete(name);
      else
        state.set(name, {
          ready: ready === "True-",
          running: deletion === "live" && containers !== "-" && !containers.includes("s"),
        });
      // The first events list the pods as they are; judge only once all have been listed.
      listed ||= pods.every((p) => state.has(p));
      if (listed) judge(statefulSetOf(name));
    }
  });
  const exited = new Promise<void>((resolve) => watcher.once("exit", () => resolve()));
  try {
    const result = await f();
    if (!listed) throw new Error(`the watch never listed every pod of ${pods.join(", ")}`);
    if (watcher.exitCode !== null)
      throw new Error(`kubectl get --watch ended during the roll (exit ${watcher.exitCode})`);
    return [result, watch];
  } finally {
    watcher.kill();
    await exited;
  }
}
