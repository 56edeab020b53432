// metrics.prometheus: a Prometheus of the stack's own, in the stack's namespace. It scrapes every
// pod that serves metrics, by name, probes every pod's TLS port for the certificate it serves
// (tls-probes.ts), and evaluates the stack's alert rules. It holds no password and no service
// account token: its only credentials are the workloads' client certificates, which open a TLS
// session and nothing more without a password. Its samples live on an emptyDir bounded in size: a
// restart loses the history, never a workload's data.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PrometheusSettings } from "../config/settings";
import { CONFIG_HASH_ANNOTATION, configHash } from "../platform/config-hash";
import { workloadLabels } from "../platform/labels";
import { containerResources, containerSecurityContext, podSecurityContext } from "../platform/pod-security";
import {
  PROMETHEUS_CONFIG_DIR,
  PROMETHEUS_DATA_DIR,
  PROMETHEUS_NAME,
  PROMETHEUS_PORT,
  ScrapeTarget,
  prometheusArgs,
  prometheusConfigFiles,
} from "./prometheus-config";
import { BLACKBOX_ADDRESS, CertificateDays, TLS_PROBE_DIR, TlsProbeTarget } from "./tls-probes";
import { clientTlsSecretName } from "../tls/client-secret";

/** The blackbox exporter's: a TLS handshake and one line per pod and interval. */
const BLACKBOX_RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } };

/** Its emptyDir's bound (prometheusArgs keeps the TSDB well under it). */
const VOLUME_LIMIT = "1Gi";

export interface PrometheusServerArgs {
  readonly namespace: pulumi.Input<string>;
  readonly namespaceName: string;
  readonly stack: string;
  readonly settings: PrometheusSettings;
  /** Every pod that serves metrics (the workloads' metricsTargets). */
  readonly targets: readonly ScrapeTarget[];
  /** Every pod's TLS client port (the workloads' tlsTargets), probed for the certificate it serves. */
  readonly tlsTargets: readonly TlsProbeTarget[];
  /** What the certificate alerts hold the stack to (tls settings). */
  readonly certificateDays: CertificateDays;
  /** The image built from images/prometheus, by digest. */
  readonly image: pulumi.Input<string>;
  readonly pullSecretName: pulumi.Input<string>;
  /** The namespace whose pods may reach its API (metrics.scrapeNamespace: where a Grafana would run). */
  readonly scrapeNamespace: string;
}

/** The pods of the stack's Prometheus, as a selector the workloads' NetworkPolicies admit to their metrics ports. */
export function prometheusPodSelector(): Record<string, string> {
  return { ...workloadLabels(PROMETHEUS_NAME, PROMETHEUS_NAME, "").selector };
}

/**
 * The blackbox exporter beside Prometheus (the same image), on loopback, with each authority's
 * client certificate: what probes the pods' TLS ports. None when no pod speaks TLS.
 */
function tlsProbes(
  targets: readonly TlsProbeTarget[],
  image: pulumi.Input<string>,
): { containers: k8s.types.input.core.v1.Container[]; volumes: k8s.types.input.core.v1.Volume[] } {
  if (!targets.length) return { containers: [], volumes: [] };
  const authorities = [...new Set(targets.map((t) => t.authority))].sort();
  const volume = (authority: string) => `tls-${authority}`;
  return {
    containers: [
      {
        name: "blackbox",
        image,
        command: ["/usr/bin/prometheus-blackbox-exporter"],
        args: [`--config.file=${PROMETHEUS_CONFIG_DIR}/blackbox.yml`, `--web.listen-address=${BLACKBOX_ADDRESS}`],
        livenessProbe: {
          // It listens on loopback, which an httpGet probe (sent to the pod's address) cannot reach.
          exec: { command: ["/bin/bash", "-c", `exec 3<>/dev/tcp/${BLACKBOX_ADDRESS.replace(":", "/")}`] },
          periodSeconds: 20,
          timeoutSeconds: 10,
          failureThreshold: 3,
        },
        resources: containerResources(BLACKBOX_RESOURCES),
        securityContext: containerSecurityContext(),
        volumeMounts: [
          { name: "config", mountPath: PROMETHEUS_CONFIG_DIR, readOnly: true },
          ...authorities.map((a) => ({ name: volume(a), mountPath: `${TLS_PROBE_DIR}/${a}`, readOnly: true })),
        ],
      },
    ],
    volumes: authorities.map((a) => ({
      name: volume(a),
      secret: { secretName: clientTlsSecretName(a), defaultMode: 0o440 },
    })),
  };
}

export class PrometheusServer extends pulumi.ComponentResource {
  /** The Service its API answers on, port PROMETHEUS_PORT. */
  public readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: PrometheusServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:observability:PrometheusServer", name, {}, opts);
    const labels = workloadLabels(PROMETHEUS_NAME, PROMETHEUS_NAME, args.stack);
    const meta = { name: PROMETHEUS_NAME, namespace: args.namespace, labels: { ...labels.pod } };
    const child = { parent: this };

    const files = prometheusConfigFiles({
      namespace: args.namespaceName,
      targets: args.targets,
      interval: args.settings.interval,
      tlsTargets: args.tlsTargets,
      certificateDays: args.certificateDays,
    });
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { ...meta, name: `${PROMETHEUS_NAME}-config` }, data: files },
      child,
    );
    const http = { name: "http", containerPort: PROMETHEUS_PORT, protocol: "TCP" };
    const probes = tlsProbes(args.tlsTargets, args.image);
    new k8s.apps.v1.Deployment(
      name,
      {
        metadata: meta,
        spec: {
          replicas: 1,
          // One TSDB per pod and nothing to hand over: the old pod goes before the new one starts.
          strategy: { type: "Recreate" },
          selector: { matchLabels: { ...labels.selector } },
          template: {
            metadata: {
              labels: { ...labels.pod },
              // A new configuration, target list or rule set restarts it (it has no reload endpoint open).
              annotations: { [CONFIG_HASH_ANNOTATION]: configHash(files) },
            },
            spec: {
              // It reads nothing from the Kubernetes API.
              automountServiceAccountToken: false,
              imagePullSecrets: [{ name: args.pullSecretName }],
              securityContext: podSecurityContext(),
              containers: [
                {
                  name: "prometheus",
                  image: args.image,
                  args: prometheusArgs(args.settings.retention),
                  ports: [http],
                  readinessProbe: { httpGet: { path: "/-/ready", port: http.name }, periodSeconds: 10 },
                  livenessProbe: {
                    httpGet: { path: "/-/healthy", port: http.name },
                    periodSeconds: 20,
                    timeoutSeconds: 10,
                    failureThreshold: 3,
                  },
                  resources: containerResources(args.settings.resources),
                  securityContext: containerSecurityContext(),
                  volumeMounts: [
                    { name: "config", mountPath: PROMETHEUS_CONFIG_DIR, readOnly: true },
                    { name: "data", mountPath: PROMETHEUS_DATA_DIR },
                  ],
                },
                ...probes.containers,
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "data", emptyDir: { sizeLimit: VOLUME_LIMIT } },
                ...probes.volumes,
              ],
            },
          },
        },
      },
      child,
    );
    const service = new k8s.core.v1.Service(
      name,
      {
        metadata: meta,
        spec: {
          selector: { ...labels.selector },
          ports: [{ name: "http", port: PROMETHEUS_PORT, targetPort: "http" }],
        },
      },
      child,
    );
    // Its API answers the pods of the scrape namespace (a Grafana there) and no one else.
    new k8s.networking.v1.NetworkPolicy(
      name,
      {
        metadata: meta,
        spec: {
          podSelector: { matchLabels: { ...labels.selector } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.scrapeNamespace } } }],
              ports: [{ protocol: "TCP", port: PROMETHEUS_PORT }],
            },
          ],
        },
      },
      child,
    );
    this.serviceName = service.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
