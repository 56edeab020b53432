// What the stack's own Prometheus (metrics.prometheus) runs with: its configuration and its rules,
// as the files of its ConfigMap. Pure, so the unit tier checks them and promtool can read them.
// JSON is YAML, so Prometheus reads both files as they are.
import { alertRuleGroups } from "./alert-groups";
import { CertificateDays, TlsProbeTarget, blackboxYaml, tlsProbeScrapeConfig } from "./tls-probes";

/** The name of its Deployment, Service and NetworkPolicy; its pods' app label. */
export const PROMETHEUS_NAME = "prometheus";
/** The port it serves its API and UI on. */
export const PROMETHEUS_PORT = 9090;
/** Where its ConfigMap is mounted. */
export const PROMETHEUS_CONFIG_DIR = "/config";
/** Where its samples live (an emptyDir in the pod). */
export const PROMETHEUS_DATA_DIR = "/prometheus";
/** The TSDB stays under this, leaving room for its write-ahead log in the volume's 1 GiB. */
const RETENTION_SIZE = "512MB";

/** Its command line after the binary: every flag, so none comes twice (a repeated flag stops it). */
export function prometheusArgs(retention: string): string[] {
  return [
    `--config.file=${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
    `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`,
    `--storage.tsdb.retention.time=${retention}`,
    `--storage.tsdb.retention.size=${RETENTION_SIZE}`,
    `--web.listen-address=:${PROMETHEUS_PORT}`,
  ];
}

/** The longest a scrape may take: Prometheus's default, or the interval where that is shorter. */
const SCRAPE_TIMEOUT_SECONDS = 10;

/** One pod to scrape: its name, and its stable DNS name with its metrics port. */
export interface ScrapeTarget {
  readonly pod: string;
  readonly address: string;
}

export interface PrometheusConfigArgs {
  /** The stack's namespace, every series's `namespace` label. */
  readonly namespace: string;
  /** Every pod that serves metrics. */
  readonly targets: readonly ScrapeTarget[];
  /** Scrape and rule-evaluation interval ("30s", "1m"). */
  readonly interval: string;
  /** Every pod's TLS client port, probed for the certificate it serves (none while TLS is off). */
  readonly tlsTargets: readonly TlsProbeTarget[];
  /** What the certificate alerts hold the stack to (its tls settings). */
  readonly certificateDays: CertificateDays;
}

function seconds(duration: string): number {
  const n = Number(duration.slice(0, -1));
  return duration.endsWith("m") ? n * 60 : n;
}

/**
 * prometheus.yml: every pod by its stable DNS name (the headless Services publish pods that are
 * not ready too), labelled with its namespace and pod as the Prometheus Operator's PodMonitors
 * label theirs, so the alerts read the same either way. Named targets, not discovery: Debian's
 * Prometheus is built without Kubernetes discovery, it then needs no access to the API at all,
 * and a pod that is gone is a target down, never one that silently left.
 */
export function prometheusYaml(a: PrometheusConfigArgs): string {
  const config = {
    global: {
      scrape_interval: a.interval,
      evaluation_interval: a.interval,
      scrape_timeout: `${Math.min(SCRAPE_TIMEOUT_SECONDS, seconds(a.interval))}s`,
    },
    rule_files: [`${PROMETHEUS_CONFIG_DIR}/alerts.yml`],
    scrape_configs: [
      {
        job_name: "middleware",
        static_configs: a.targets.map((t) => ({
          targets: [t.address],
          labels: { namespace: a.namespace, pod: t.pod },
        })),
      },
      ...(a.tlsTargets.length ? [tlsProbeScrapeConfig(a.namespace, a.tlsTargets)] : []),
    ],
  };
  return JSON.stringify(config, null, 2) + "\n";
}

/** The files of its ConfigMap: the configuration, the stack's alert rules and the TLS probes' modules. */
export function prometheusConfigFiles(a: PrometheusConfigArgs): Record<string, string> {
  return {
    "prometheus.yml": prometheusYaml(a),
    "alerts.yml": JSON.stringify({ groups: alertRuleGroups(a.certificateDays) }, null, 2) + "\n",
    ...(a.tlsTargets.length ? { "blackbox.yml": blackboxYaml(a.tlsTargets) } : {}),
  };
}
