// Reading Kubernetes objects as policies see them: plain props, where any value may be undefined
// while unknown during preview. Every helper returns "nothing to say" for an unknown value.

export const Kind = {
  StatefulSet: "kubernetes:apps/v1:StatefulSet",
  Deployment: "kubernetes:apps/v1:Deployment",
  DaemonSet: "kubernetes:apps/v1:DaemonSet",
  Job: "kubernetes:batch/v1:Job",
  Pod: "kubernetes:core/v1:Pod",
  Service: "kubernetes:core/v1:Service",
  ConfigMap: "kubernetes:core/v1:ConfigMap",
  PersistentVolume: "kubernetes:core/v1:PersistentVolume",
  PodDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
} as const;

export const WORKLOAD_KINDS: readonly string[] = [
  Kind.StatefulSet,
  Kind.Deployment,
  Kind.DaemonSet,
  Kind.Job,
  Kind.Pod,
];

export const APP_LABEL = "app.kubernetes.io/name";
export const STACK_LABEL = "middleware/stack";

/** Apps whose members vote: losing a majority stops them. */
export const QUORUM_APPS: readonly string[] = ["zookeeper", "redis-sentinel"];
export const REDIS_APPS: readonly string[] = ["redis", "redis-cluster", "redis-sentinel-data", "redis-sentinel"];

// CrossGuard hands resource inputs over as untyped JSON; policies read them defensively with `?.`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;

/** The pod spec of any workload kind (a Pod's own spec, else its template's). */
export function podSpecOf(type: string, props: Props): Props | undefined {
  if (type === Kind.Pod) return props.spec;
  return props.spec?.template?.spec;
}

export function podLabelsOf(type: string, props: Props): Record<string, string> | undefined {
  if (type === Kind.Pod) return props.metadata?.labels;
  return props.spec?.template?.metadata?.labels;
}

export function containersOf(spec: Props | undefined): Props[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].filter((c) => c && typeof c === "object");
}

/** True when every matchLabels entry is present on the labels; undefined when either is unknown. */
export function selects(
  matchLabels: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean | undefined {
  if (!matchLabels || !labels) return undefined;
  const entries = Object.entries(matchLabels);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

export function appOf(type: string, props: Props): string | undefined {
  return podLabelsOf(type, props)?.[APP_LABEL] ?? props.metadata?.labels?.[APP_LABEL];
}

export function nameOf(props: Props, fallback: string): string {
  return props.metadata?.name ?? fallback;
}

export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}
