// Whether a StatefulSet has finished rolling out: the controller has seen its latest spec, every
// pod runs that revision and is Ready. The kubernetes provider 4.25 reports an update done when the
// status still describes the previous spec (it does not compare observedGeneration; fixed upstream
// after 4.25, pulumi-kubernetes#4094), so cluster init and the health assertions wait here instead,
// or they would judge the old pods while the roll has not begun. No Pulumi import.
import { kubectlGet } from "../provider-kit/kubectl";
import { Access, kubeContextOf } from "../provider-kit/reach";

export interface RolloutInputs {
  readonly namespace: string;
  /** Name of the StatefulSet. */
  readonly statefulSet: string;
  /** What the pods run (image, config, passwords, count); a change means a roll to wait for. */
  readonly revision: string;
  /** The StatefulSet's metadata.generation after the apply; the controller must have seen it. Defaults to the live one. */
  readonly generation?: number;
  /** Whose kubectl context reads the StatefulSet (portForward's); direct uses the ambient one. Defaults to direct. */
  readonly access?: Access;
  /** How long the roll may take before the deploy fails. Defaults to 10 minutes, the provider's own StatefulSet timeout. */
  readonly timeoutMs?: number;
}

/** The fields of a StatefulSet this check reads. */
export interface StatefulSetObject {
  readonly metadata: { readonly name: string; readonly generation?: number };
  readonly spec?: { readonly replicas?: number; readonly updateStrategy?: { readonly type?: string } };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly replicas?: number;
    readonly readyReplicas?: number;
    readonly updatedReplicas?: number;
    readonly currentRevision?: string;
    readonly updateRevision?: string;
  };
}

/** What the roll still waits for, or undefined once it is complete. */
export function rolloutPending(sts: StatefulSetObject, generation?: number): string | undefined {
  const want = sts.spec?.replicas ?? 1;
  const s = sts.status ?? {};
  const generationNow = Math.max(sts.metadata.generation ?? 0, generation ?? 0);
  if ((s.observedGeneration ?? 0) < generationNow)
    return `the StatefulSet controller has not yet seen generation ${generationNow} (status is of ${s.observedGeneration ?? 0})`;
  const onDelete = sts.spec?.updateStrategy?.type === "OnDelete";
  if (!onDelete && (!s.updateRevision || s.currentRevision !== s.updateRevision))
    return `${s.updatedReplicas ?? 0}/${want} pods on revision ${s.updateRevision ?? "?"} (still rolling from ${s.currentRevision ?? "?"})`;
  if ((s.replicas ?? 0) !== want || (s.readyReplicas ?? 0) !== want)
    return `${s.readyReplicas ?? 0}/${want} pods Ready (${s.replicas ?? 0} exist)`;
  return undefined;
}

/** Waits until the StatefulSet has rolled out; fails after the timeout naming what is still pending. */
export async function awaitRollout(inputs: RolloutInputs): Promise<{ updateRevision: string }> {
  const timeoutMs = inputs.timeoutMs ?? 10 * 60 * 1000;
  const deadline = Date.now() + timeoutMs;
  const purpose = {
    what: `read StatefulSet ${inputs.namespace}/${inputs.statefulSet} to wait for its pods to roll out`,
    permission: "get on statefulsets in that namespace",
  };
  for (;;) {
    const sts = await kubectlGet<StatefulSetObject>(
      kubeContextOf(inputs.access),
      ["statefulset", inputs.statefulSet, "-n", inputs.namespace],
      purpose,
    );
    const pending = rolloutPending(sts, inputs.generation);
    if (!pending) return { updateRevision: sts.status?.updateRevision ?? "" };
    if (Date.now() >= deadline)
      throw new Error(
        `StatefulSet ${inputs.namespace}/${inputs.statefulSet} did not finish rolling out within ${Math.round(timeoutMs / 1000)} s: ${pending}; ` +
          `see kubectl -n ${inputs.namespace} describe statefulset ${inputs.statefulSet} and its pods' events`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}
