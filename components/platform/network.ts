import * as k8s from "@pulumi/kubernetes";

/** The headless Service that governs a StatefulSet and gives its pods their DNS names. */
export function headlessName(statefulSet: string): string {
  return `${statefulSet}-headless`;
}

/** The DNS zone a namespace's Services live under, e.g. "middleware-dev.svc.cluster.local". */
export function serviceZone(namespace: string, clusterDomain: string): string {
  return `${namespace}.svc.${clusterDomain}`;
}

/** The DNS domain the pods of a StatefulSet live under, in a namespace's service `zone`. */
export function podDomain(statefulSet: string, zone: string): string {
  return `${headlessName(statefulSet)}.${zone}`;
}

/** Stable DNS name of StatefulSet pod `ordinal`. */
export function podHost(statefulSet: string, ordinal: number, zone: string): string {
  return `${statefulSet}-${ordinal}.${podDomain(statefulSet, zone)}`;
}

/** Stable DNS names of all pods of a StatefulSet, in ordinal order. */
export function podHosts(statefulSet: string, replicas: number, zone: string): string[] {
  return Array.from({ length: replicas }, (_, i) => podHost(statefulSet, i, zone));
}

/** `host:port` of every pod of a StatefulSet, in ordinal order. */
export function podEndpoints(statefulSet: string, replicas: number, zone: string, port: number): string[] {
  return podHosts(statefulSet, replicas, zone).map((h) => `${h}:${port}`);
}

export interface NamedPort {
  readonly name: string;
  readonly port: number;
}

/** Headless Service for stable pod DNS; not-ready pods are published so members can find each other while forming. */
export function headlessServiceSpec(
  selector: Record<string, string>,
  ports: readonly NamedPort[],
): k8s.types.input.core.v1.ServiceSpec {
  return {
    clusterIP: "None",
    publishNotReadyAddresses: true,
    selector: { ...selector },
    ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })),
  };
}

export function clientServiceSpec(
  selector: Record<string, string>,
  ports: readonly NamedPort[],
): k8s.types.input.core.v1.ServiceSpec {
  return {
    type: "ClusterIP",
    selector: { ...selector },
    ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })),
  };
}

export function podDisruptionBudgetSpec(
  selector: Record<string, string>,
  maxUnavailable: number,
): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  return { maxUnavailable, selector: { matchLabels: { ...selector } } };
}

export interface NetworkPolicyArgs {
  /** Labels of the workload's own pods, its peers. */
  readonly selector: Record<string, string>;
  /** Ports only members of the workload itself may reach (quorum, election, cluster bus). */
  readonly peerPorts: readonly NamedPort[];
  /** Ports clients reach: from this namespace and from clientNamespaces. */
  readonly clientPorts: readonly NamedPort[];
  /** Namespaces besides the workload's own whose pods may reach the client ports. */
  readonly clientNamespaces: readonly string[];
  /** When set, only pods carrying this label reach the client ports (in either namespace set). Defaults to any pod. */
  readonly clientPodLabel?: Readonly<Record<string, string>>;
  /**
   * Where an in-cluster pulumi runs its health checks and cluster init from: any pod there reaches
   * the client ports, without clientPodLabel (a runner's pods are not ours to label). Defaults to none.
   */
  readonly runnerNamespace?: string;
  /** Ports a monitoring system scrapes (the metrics sidecar), reached only from scrapeNamespace. Defaults to none. */
  readonly metricsPorts?: readonly NamedPort[];
  /** The namespace whose pods may reach metricsPorts (metrics.scrapeNamespace). */
  readonly scrapeNamespace?: string;
  /** Pods of the workload's own namespace that may reach metricsPorts too (the stack's Prometheus). Defaults to none. */
  readonly metricsPods?: Readonly<Record<string, string>>;
  /**
   * Client ports metricsPods may reach as well: the TLS port the stack's Prometheus probes for the
   * certificate served (it holds a client certificate, never a password). Defaults to none.
   */
  readonly probedPorts?: readonly NamedPort[];
}

export function networkPolicySpec(a: NetworkPolicyArgs): k8s.types.input.networking.v1.NetworkPolicySpec {
  const tcp = (ports: readonly NamedPort[]) => ports.map((p) => ({ protocol: "TCP", port: p.port }));
  const clientPods = a.clientPodLabel ? { matchLabels: { ...a.clientPodLabel } } : undefined;
  const ingress: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [
    { from: [{ podSelector: { matchLabels: { ...a.selector } } }], ports: tcp([...a.peerPorts, ...a.clientPorts]) },
    {
      // A peer with both selectors must match both (one entry), not either.
      from: [
        { podSelector: clientPods ?? {} },
        ...a.clientNamespaces.map((ns) => ({
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
          ...(clientPods ? { podSelector: clientPods } : {}),
        })),
      ],
      ports: tcp(a.clientPorts),
    },
    ...(a.runnerNamespace
      ? [
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": a.runnerNamespace } } }],
            ports: tcp(a.clientPorts),
          },
        ]
      : []),
    ...(a.metricsPorts?.length && a.scrapeNamespace
      ? [
          {
            from: [
              { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": a.scrapeNamespace } } },
              ...(a.metricsPods ? [{ podSelector: { matchLabels: { ...a.metricsPods } } }] : []),
            ],
            ports: tcp(a.metricsPorts),
          },
        ]
      : []),
    ...(a.probedPorts?.length && a.metricsPods
      ? [{ from: [{ podSelector: { matchLabels: { ...a.metricsPods } } }], ports: tcp(a.probedPorts) }]
      : []),
  ];
  return { podSelector: { matchLabels: { ...a.selector } }, policyTypes: ["Ingress"], ingress };
}
