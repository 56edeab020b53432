// Whether the cluster has a node for every pod that `required` anti-affinity must keep apart.
// Without this check the pods beyond the node count stay Pending until the deploy times out.
// No Pulumi import: loaded inside provider methods and by the tests.
import { kubectlGet } from "../provider-kit/kubectl";
import { Access, kubeContextOf } from "../provider-kit/reach";

export interface NodeCapacityInputs {
  /** Pods per StatefulSet that must each run on a node of their own. */
  readonly pods: Readonly<Record<string, number>>;
  /** Whose kubectl context lists the nodes (portForward's); direct uses the ambient one. Defaults to direct. */
  readonly access?: Access;
}

/** The fields of a Node this check reads. */
export interface NodeObject {
  readonly metadata: { readonly name: string };
  readonly spec?: {
    readonly unschedulable?: boolean;
    readonly taints?: readonly { key: string; value?: string; effect: string }[];
  };
  readonly status?: { readonly conditions?: readonly { type: string; status: string }[] };
}

/** Why a node cannot take the workloads' pods (they tolerate no taint), or undefined if it can. */
export function whyUnschedulable(node: NodeObject): string | undefined {
  if (node.spec?.unschedulable) return "cordoned";
  if (!node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return "not Ready";
  const taint = node.spec?.taints?.find((t) => t.effect === "NoSchedule" || t.effect === "NoExecute");
  return taint ? `taint ${taint.key}${taint.value ? `=${taint.value}` : ""}:${taint.effect}` : undefined;
}

/** The refusal when some StatefulSet has more pods than there are schedulable nodes, else undefined. */
export function nodeShortage(pods: Readonly<Record<string, number>>, nodes: readonly NodeObject[]): string | undefined {
  const verdicts = nodes.map((n) => ({ name: n.metadata.name, why: whyUnschedulable(n) }));
  const usable = verdicts.filter((v) => !v.why).map((v) => v.name);
  const short = Object.entries(pods)
    .filter(([, n]) => n > usable.length)
    .sort(([x, a], [y, b]) => b - a || x.localeCompare(y));
  if (!short.length) return undefined;
  const excluded = verdicts.flatMap((v) => (v.why ? [`${v.name} (${v.why})`] : []));
  return (
    `scheduling.antiAffinity is "required" (one pod of a StatefulSet per node), but only ${usable.length} node${usable.length === 1 ? "" : "s"} can take the pods` +
    `${usable.length ? ` (${usable.join(", ")})` : ""}${excluded.length ? `; not counted: ${excluded.join(", ")}` : ""}: ` +
    `${short.map(([sts, n]) => `${sts} needs ${n}`).join(", ")}. The pods beyond that would stay Pending. ` +
    'Add schedulable nodes, or set scheduling.antiAffinity to "preferred" (members may then share a node, and losing that node loses them together)'
  );
}

/** The cluster's nodes, through kubectl with the access's context (or the ambient one). */
export async function listNodes(access?: Access): Promise<NodeObject[]> {
  const list = await kubectlGet<{ items: NodeObject[] }>(kubeContextOf(access), ["nodes"], {
    what: 'list the cluster\'s nodes to check them against scheduling.antiAffinity "required"',
    permission: "get and list nodes (a ClusterRole)",
    otherwise: 'set scheduling.antiAffinity to "preferred"',
  });
  return list.items;
}

/** The refusal for these inputs on the live cluster, or undefined when every pod has a node. */
export async function capacityRefusal(inputs: NodeCapacityInputs): Promise<string | undefined> {
  return nodeShortage(inputs.pods, await listNodes(inputs.access));
}
