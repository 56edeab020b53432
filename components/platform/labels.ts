// One source for every label set of a workload. The Service selector, PDB selector and
// anti-affinity selector all come from `selector`, which is a subset of `pod`, so they cannot
// drift apart (the classic ZooKeeper-tutorial bug).

export interface WorkloadLabels {
  /** Minimal labels that identify this workload's pods; used by every selector. */
  readonly selector: Readonly<Record<string, string>>;
  /** Full pod and object labels: the selector plus descriptive ones. */
  readonly pod: Readonly<Record<string, string>>;
}

/** What every object of a stack carries, whichever workload it belongs to. */
export function stackLabels(stack: string): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": "middleware",
    "app.kubernetes.io/managed-by": "pulumi",
    "middleware/stack": stack,
  };
}

export function workloadLabels(instance: string, app: string, stack: string): WorkloadLabels {
  const selector = { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": instance };
  return { selector, pod: { ...selector, ...stackLabels(stack) } };
}
