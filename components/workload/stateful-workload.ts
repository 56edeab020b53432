import * as k8s from "@pulumi/kubernetes";
import { MONITORING_API_VERSION } from "../observability/monitoring-crds-logic";
import * as pulumi from "@pulumi/pulumi";
import { HealthWiring, podsRevision } from "../health/health-wiring";
import { ChangeGuard } from "../platform/change-guard";
import { StatefulSetRollout } from "../platform/rollout";
import { NfsVolumeSet } from "../storage/nfs-volume-set";
import type { KubeContext } from "../provider-kit/kubectl";
import { AntiAffinity, Resources, StorageSettings } from "../config/settings";
import { configHash } from "../platform/config-hash";
import { WorkloadLabels, workloadLabels } from "../platform/labels";
import {
  NamedPort,
  clientServiceSpec,
  headlessServiceSpec,
  networkPolicySpec,
  headlessName,
  podDisruptionBudgetSpec,
  podHosts,
} from "../platform/network";
import { StatefulSetSpecArgs, statefulSetSpec } from "./stateful-set";
import { storageLocation } from "../storage/storage";
import { ScrapeTarget } from "../observability/prometheus-config";
import type { TlsProbeTarget } from "../observability/tls-probes";
import { PROCEDURES, procedureRef } from "../platform/procedures";
import type { Placement } from "../platform/placement";
import { PodTls } from "../tls/pod-tls";

/** The annotations a plain Prometheus's usual pod discovery keys on: scrape this pod, on this port. */
export function scrapeAnnotations(port: number): Record<string, string> {
  return { "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": "/metrics" };
}

/** What every stateful workload shares; the four middleware components pass it through. */
export interface PlatformArgs extends Placement {
  /** Where the volumes live (nfs, local or storageClass). */
  readonly storage: StorageSettings;
  /** Whether pods of one workload must, or only should, run on different nodes. */
  readonly antiAffinity: AntiAffinity;
  /** Namespaces besides this one whose pods may reach the client ports. */
  readonly clientNamespaces: readonly string[];
  /** Where an in-cluster pulumi runs; admitted to the client ports. Defaults to none. */
  readonly runnerNamespace?: string;
  /** imagePullSecret of every pod. */
  readonly pullSecretName: pulumi.Input<string>;
  /** Post-deploy init and health assertions. Defaults to none: health checks disabled. */
  readonly health?: HealthWiring;
  /** The kubectl context of the program's own cluster work (the volume directories). Defaults to the ambient one. */
  readonly kube?: KubeContext;
  /** Preflight checks every workload's volumes, config and StatefulSet wait for. Defaults to none. */
  readonly gates?: readonly pulumi.Resource[];
  /** Metrics sidecars and who scrapes them (metrics settings). Defaults to none: metrics off. */
  readonly metrics?: MetricsWiring;
}

/** Where a workload's metrics go when the stack turns them on. */
export interface MetricsWiring {
  /** The namespace whose pods may reach the metrics ports. */
  readonly scrapeNamespace: string;
  /** Declare a PodMonitor per workload for the Prometheus Operator. */
  readonly prometheusOperator: boolean;
  /** The stack's own Prometheus (metrics.prometheus), admitted to the metrics ports from this namespace. Defaults to none. */
  readonly prometheusPods?: Readonly<Record<string, string>>;
}

/** The Prometheus Operator's object that has its Prometheus scrape a workload's metrics port on every pod. */
export function podMonitorSpec(selector: Record<string, string>, port: NamedPort): Record<string, unknown> {
  return {
    selector: { matchLabels: { ...selector } },
    podMetricsEndpoints: [{ port: port.name, path: "/metrics", interval: "30s" }],
  };
}

export interface StatefulWorkloadArgs {
  /** Namespace, storage, scheduling and health wiring shared by every workload. */
  readonly platform: PlatformArgs;
  /** app.kubernetes.io/name of the pods, e.g. "zookeeper". */
  readonly app: string;
  /** Number of pods; decides how many PVs exist, so a plain number. */
  readonly replicas: number;
  /** Digest-pinned image of the pods. */
  readonly image: pulumi.Input<string>;
  /** Rendered config files, mounted at /config; their hash rolls the pods on change. */
  readonly configFiles: Readonly<Record<string, string>>;
  /** Secret with the passwords, mounted read-only at /etc/auth. Defaults to none. */
  readonly authSecretName?: pulumi.Input<string>;
  /** The keys of that Secret the main container mounts (mountedAuthFiles). Defaults to every key. */
  readonly authFiles?: readonly string[];
  /** Fingerprint of the auth Secret's passwords (platform/auth-secret.ts); a change rolls the pods. Defaults to none. */
  readonly authFingerprint?: pulumi.Input<string>;
  /** The main container's certificate (stateful-set.ts); its renewal rolls the pods. Defaults to none: no TLS. */
  readonly tls?: PodTls;
  /** Requests and limits of the main container. */
  readonly resources: Resources;
  /** Capacity of each pod's volume, e.g. "10Gi". */
  readonly storageSize: string;
  /** Ports clients reach, through the client Service and past the NetworkPolicy. */
  readonly clientPorts: readonly NamedPort[];
  /** Ports only the workload's own pods reach (quorum, election, cluster bus). */
  readonly peerPorts: readonly NamedPort[];
  /** Label a pod must carry to reach the client ports. Defaults to none: any pod of an admitted namespace. */
  readonly clientPodLabel?: Readonly<Record<string, string>>;
  /** Pods that may be down at once by voluntary disruption. Defaults to 1. */
  readonly maxUnavailable?: number;
  /** Container name, command, env, ports and probes; mounts and security are added. */
  readonly container: StatefulSetSpecArgs["container"];
  /** How long a stopping pod may take. Defaults to 30. */
  readonly terminationGracePeriodSeconds?: number;
  /** ConfigMaps written after deploy, mounted where present (statefulSetSpec). Defaults to none. */
  readonly markers?: StatefulSetSpecArgs["markers"];
  /** Containers beside the main one (statefulSetSpec). Defaults to none. */
  readonly sidecars?: StatefulSetSpecArgs["sidecars"];
  /** Service account whose token the pods mount. Defaults to none: no token. */
  readonly serviceAccountName?: StatefulSetSpecArgs["serviceAccountName"];
  /** Resources whose failure must stop any change to the volumes, config and pods (guards). Defaults to none. */
  readonly gates?: readonly pulumi.Resource[];
  /** Annotations on the StatefulSet itself, e.g. intent a policy checks. Defaults to none. */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * The port its metrics sidecar serves /metrics on: admitted from platform.metrics.scrapeNamespace
   * and announced to a plain Prometheus by the pods' prometheus.io annotations. Defaults to none.
   */
  readonly metricsPort?: NamedPort;
}

/**
 * The Kubernetes objects of one StatefulSet-backed workload: volumes, config, headless and client
 * Services, the StatefulSet, its PDB and NetworkPolicy. Object names are fixed (not auto-named)
 * because pod DNS names and claim names derive from them.
 */
export class StatefulWorkload extends pulumi.ComponentResource {
  public readonly labels: WorkloadLabels;
  public readonly statefulSet: k8s.apps.v1.StatefulSet;
  public readonly headlessServiceName: string;
  public readonly clientServiceName: string;
  /** Stable DNS name of each pod, in ordinal order. */
  public readonly hosts: string[];
  /** Where each pod serves its metrics (none while metrics are off), for a Prometheus that scrapes by name. */
  public readonly metricsTargets: ScrapeTarget[];
  /** Each pod's TLS client port, for the stack's own Prometheus to probe (none without it or without TLS). */
  public readonly tlsTargets: TlsProbeTarget[];
  /** What the pods run: image and config; changes when the pods roll. */
  public readonly revision: pulumi.Output<string>;
  /**
   * What post-deploy work waits for: the StatefulSet's rollout (every pod on the latest spec and
   * Ready) when health checks are wired, else the StatefulSet itself.
   */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: StatefulWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:k8s:StatefulWorkload", name, {}, opts);
    const p = args.platform;
    const ns = p.namespace;
    this.labels = workloadLabels(name, args.app, p.stack);
    this.headlessServiceName = headlessName(name);
    this.clientServiceName = name;
    this.hosts = podHosts(name, args.replicas, p.zone);
    const metricsPort = args.metricsPort?.port;
    this.metricsTargets = metricsPort
      ? this.hosts.map((host, i) => ({ pod: `${name}-${i}`, address: `${host}:${metricsPort}` }))
      : [];
    // The first client port is the TLS one whenever the pods speak TLS (a plain one only follows it).
    const probe = p.metrics?.prometheusPods ? args.tls?.probe : undefined;
    const tlsPort = probe ? args.clientPorts[0] : undefined;
    this.tlsTargets = probe
      ? this.hosts.map((host, i) => ({ pod: `${name}-${i}`, address: `${host}:${args.clientPorts[0].port}`, ...probe }))
      : [];
    const meta = (objectName: string) => ({ name: objectName, namespace: ns, labels: { ...this.labels.pod } });
    const members = this.hosts.map((h) => `${h}:${args.clientPorts[0].port}`);
    const storageGuard = new ChangeGuard(
      `${name}-storage`,
      {
        setting: "storage",
        value: storageLocation(p.storage),
        members,
        access: p.health?.access,
        risk: "the pods' claims stay bound to the volumes at the old location, and volumes at the new one would start empty: the data does not move by itself",
        procedure: procedureRef(PROCEDURES.movingVolumes),
      },
      { parent: this },
    );
    const gated = [storageGuard, ...(args.gates ?? []), ...(p.gates ?? [])];
    const allPorts = [...args.clientPorts, ...args.peerPorts];

    const volumes = new NfsVolumeSet(
      `${name}-volumes`,
      {
        namespace: ns,
        namespaceName: p.namespaceName,
        statefulSet: name,
        replicas: args.replicas,
        size: args.storageSize,
        storage: p.storage,
        image: args.image,
        pullSecretName: p.pullSecretName,
        kube: p.kube,
      },
      { parent: this, dependsOn: gated },
    );
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: meta(`${name}-config`), data: { ...args.configFiles } },
      { parent: this, dependsOn: gated },
    );
    const headless = new k8s.core.v1.Service(
      this.headlessServiceName,
      {
        metadata: meta(this.headlessServiceName),
        spec: headlessServiceSpec(this.labels.selector, allPorts),
      },
      { parent: this },
    );
    new k8s.core.v1.Service(
      `${name}-client`,
      {
        metadata: meta(this.clientServiceName),
        spec: clientServiceSpec(this.labels.selector, args.clientPorts),
      },
      { parent: this },
    );
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: { ...meta(name), annotations: { ...args.annotations } },
        spec: statefulSetSpec({
          labels: this.labels,
          replicas: args.replicas,
          serviceName: this.headlessServiceName,
          image: args.image,
          pullSecretName: p.pullSecretName,
          configMapName: config.metadata.name,
          configHash: configHash(args.configFiles),
          authSecretName: args.authSecretName,
          authFiles: args.authFiles,
          authFingerprint: args.authFingerprint,
          tls: args.tls,
          storage: p.storage,
          storageSize: args.storageSize,
          antiAffinity: p.antiAffinity,
          resources: args.resources,
          container: args.container,
          terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
          markers: args.markers,
          sidecars: args.sidecars,
          podAnnotations: args.metricsPort && scrapeAnnotations(args.metricsPort.port),
          serviceAccountName: args.serviceAccountName,
        }),
      },
      { parent: this, dependsOn: [volumes, headless, ...gated], deleteBeforeReplace: true },
    );
    // A renewed certificate rolls the pods, so the assertions run again and see it served.
    const fingerprint = args.tls
      ? pulumi.interpolate`${args.authFingerprint ?? ""}|tls:${args.tls.fingerprint}`
      : args.authFingerprint;
    this.revision = podsRevision(args.image, configHash(args.configFiles), args.replicas, fingerprint);
    this.ready = p.health
      ? new StatefulSetRollout(
          `${name}-rollout`,
          {
            namespace: p.namespace,
            statefulSet: this.statefulSet.metadata.name,
            revision: this.revision,
            generation: this.statefulSet.metadata.generation,
            access: p.health.access,
          },
          { parent: this },
        )
      : this.statefulSet;
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: meta(name),
        spec: podDisruptionBudgetSpec(this.labels.selector, args.maxUnavailable ?? 1),
      },
      { parent: this },
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-netpol`,
      {
        metadata: meta(name),
        spec: networkPolicySpec({
          selector: this.labels.selector,
          peerPorts: args.peerPorts,
          clientPorts: args.clientPorts,
          clientNamespaces: p.clientNamespaces,
          clientPodLabel: args.clientPodLabel,
          runnerNamespace: p.runnerNamespace,
          metricsPorts: args.metricsPort ? [args.metricsPort] : [],
          scrapeNamespace: p.metrics?.scrapeNamespace,
          metricsPods: p.metrics?.prometheusPods,
          probedPorts: tlsPort ? [tlsPort] : [],
        }),
      },
      { parent: this },
    );
    if (args.metricsPort && p.metrics?.prometheusOperator) {
      new k8s.apiextensions.CustomResource(
        `${name}-podmonitor`,
        {
          apiVersion: MONITORING_API_VERSION,
          kind: "PodMonitor",
          metadata: meta(name),
          spec: podMonitorSpec(this.labels.selector, args.metricsPort),
        },
        // After the preflight checks: on a cluster without the operator's CRDs, one says so first.
        { parent: this, dependsOn: p.gates ? [...p.gates] : [] },
      );
    }
    this.registerOutputs({ statefulSetName: this.statefulSet.metadata.name, hosts: this.hosts });
  }
}
