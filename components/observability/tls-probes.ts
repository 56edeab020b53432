// Certificates near expiry, seen as clients see them. The stack's own Prometheus (metrics.prometheus)
// probes every pod's TLS client port through the blackbox exporter beside it in its pod, as a client
// of the workload's authority (the workload's <name>-client-tls Secret), and reads the expiry of the
// certificate the pod actually serves: a pod that missed a renewal's roll shows, a renewed Secret
// alone does not hide it. Neither Redis's exporter nor ZooKeeper's metrics provider serve that date.
// Pure, so the unit tier checks the files and promtool the rules.
import type { AlertRule } from "./redis-alerts";
import type { TlsProbe } from "../tls/pod-tls";

/** Where the exporter listens: loopback, so only the Prometheus beside it in the pod asks it. */
export const BLACKBOX_ADDRESS = "127.0.0.1:9115";
/** Where each authority's client certificate is mounted in the exporter: <dir>/<authority>/. */
export const TLS_PROBE_DIR = "/tls";
/** The scrape job of the probes, every series's `job` label. */
export const TLS_PROBE_JOB = "tls";

/** One pod's TLS client port, probed as a client of the authority its workload's certificates come from. */
export interface TlsProbeTarget extends TlsProbe {
  readonly pod: string;
  /** Its stable DNS name and TLS client port. */
  readonly address: string;
}

/**
 * With TLS 1.3 a client finishes its handshake before the server has checked the client's
 * certificate, so a handshake alone would pass a server that refuses us. Each probe therefore asks
 * a question: Redis answers PING with NOAUTH (the probe sends no password), ZooKeeper answers srvr.
 */
const QUESTIONS: Record<TlsProbeTarget["protocol"], { send: string; expect: string }> = {
  redis: { send: "PING", expect: "^(-NOAUTH|\\+PONG)" },
  zookeeper: { send: "srvr", expect: "^Zookeeper version" },
};

/** A probe may take this long; under the scrape timeout (at least 5 s: metrics.prometheus.interval). */
const PROBE_TIMEOUT = "4s";

/** The exporter's module name for an authority's pods speaking `protocol`. */
function moduleName(t: Pick<TlsProbeTarget, "authority" | "protocol">): string {
  return `${t.protocol}-${t.authority}`;
}

/** blackbox.yml: one TCP+TLS module per authority and protocol. */
export function blackboxYaml(targets: readonly TlsProbeTarget[]): string {
  const modules: Record<string, unknown> = {};
  for (const t of targets) {
    const dir = `${TLS_PROBE_DIR}/${t.authority}`;
    modules[moduleName(t)] = {
      prober: "tcp",
      timeout: PROBE_TIMEOUT,
      tcp: {
        preferred_ip_protocol: "ip4",
        ip_protocol_fallback: false,
        tls: true,
        // Names are checked too: the target's DNS name must be one the certificate carries.
        tls_config: { ca_file: `${dir}/ca.crt`, cert_file: `${dir}/tls.crt`, key_file: `${dir}/tls.key` },
        query_response: [{ send: QUESTIONS[t.protocol].send }, { expect: QUESTIONS[t.protocol].expect }],
      },
    };
  }
  return JSON.stringify({ modules }, null, 2) + "\n";
}

/** The scrape job that has the exporter probe each target, labelled like the metrics targets. */
export function tlsProbeScrapeConfig(namespace: string, targets: readonly TlsProbeTarget[]): Record<string, unknown> {
  return {
    job_name: TLS_PROBE_JOB,
    metrics_path: "/probe",
    static_configs: targets.map((t) => ({
      targets: [t.address],
      labels: { namespace, pod: t.pod, __param_module: moduleName(t) },
    })),
    relabel_configs: [
      { source_labels: ["__address__"], target_label: "__param_target" },
      { source_labels: ["__param_target"], target_label: "instance" },
      { target_label: "__address__", replacement: BLACKBOX_ADDRESS },
    ],
  };
}

/** The certificate lifetimes the alerts hold a stack to (its tls settings). */
export interface CertificateDays {
  /** `up` renews a certificate this close to expiry (tls.renewBeforeDays). */
  readonly renewBeforeDays: number;
  /** A deploy fails its health assertion this close to expiry (tls.minValidDays). */
  readonly minValidDays: number;
}

const DAYS_LEFT = `(probe_ssl_earliest_cert_expiry{job="${TLS_PROBE_JOB}"} - time()) / 86400`;

/** Alerts on the probes: a certificate past its renewal, one about to expire, a port that refuses us. */
export function certificateAlerts(days: CertificateDays): AlertRule[] {
  return [
    {
      alert: "MiddlewareCertificateRenewalDue",
      expr: `${DAYS_LEFT} < ${days.renewBeforeDays}`,
      // A deploy that renews it rolls the pods within the hour.
      for: "1h",
      labels: { severity: "warning" },
      annotations: {
        summary: `{{ $labels.pod }} serves a certificate that expires in {{ $value | printf "%.1f" }} days`,
        description: `It is within tls.renewBeforeDays (${days.renewBeforeDays}) and no deploy has renewed it: run \`pulumi up\` for the stack, which issues it anew and rolls the pods.`,
      },
    },
    {
      alert: "MiddlewareCertificateExpiring",
      expr: `${DAYS_LEFT} < ${days.minValidDays}`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: `{{ $labels.pod }} serves a certificate that expires in {{ $value | printf "%.1f" }} days`,
        description: `Within tls.minValidDays (${days.minValidDays}) every deploy of the stack fails its health assertion, and once it expires clients and peers refuse the pod. Run \`pulumi up\` now.`,
      },
    },
    {
      alert: "MiddlewareTlsProbeFailing",
      expr: `probe_success{job="${TLS_PROBE_JOB}"} == 0`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: "{{ $labels.pod }} does not answer a client of its authority over TLS",
        description:
          "The pod is down, or its port refuses the workload's client certificate (a certificate of another authority, or an expired one): applications with that Secret cannot connect either.",
      },
    },
  ];
}
