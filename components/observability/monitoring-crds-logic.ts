// Whether the cluster serves the Prometheus Operator's kinds the stack declares (PodMonitor,
// PrometheusRule). Without this check a preview on a cluster without the operator fails on the
// first such object with "no matches for kind", naming neither the setting nor the way out.
// Asked through API discovery (kubectl api-resources), which every authenticated account may read.
// No Pulumi import: loaded inside provider methods and by the tests.
import { execFile } from "child_process";
import { contextArgs, kubectlFailure } from "../provider-kit/kubectl";
import { Access, kubeContextOf } from "../provider-kit/reach";

/** The Prometheus Operator's API group, and the apiVersion of its PodMonitor and PrometheusRule. */
export const MONITORING_GROUP = "monitoring.coreos.com";
export const MONITORING_API_VERSION = `${MONITORING_GROUP}/v1`;

export interface MonitoringCrdsInputs {
  /** Resources of MONITORING_GROUP the stack declares, by their plural name, e.g. "podmonitors". */
  readonly resources: readonly string[];
  /** Whose kubectl context asks (portForward's); direct uses the ambient one. Defaults to direct. */
  readonly access?: Access;
}

/** The plural names the cluster serves in MONITORING_GROUP. */
export function servedMonitoringResources(access?: Access): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      "kubectl",
      [...contextArgs(kubeContextOf(access)), "api-resources", `--api-group=${MONITORING_GROUP}`, "-o", "name"],
      { timeout: 20000 },
      (e, out, errOut) => {
        if (e)
          return reject(
            new Error(
              `cannot ask the cluster which ${MONITORING_GROUP} kinds it serves: ${kubectlFailure({ code: (e as NodeJS.ErrnoException).code, message: String(errOut).trim() || e.message })}`,
            ),
          );
        // "podmonitors.monitoring.coreos.com" per line.
        resolve(
          String(out)
            .split("\n")
            .map((l) => l.trim().split(".")[0])
            .filter(Boolean),
        );
      },
    );
  });
}

/** The refusal when some wanted resource is not served, else undefined. */
export function missingOperatorResources(wanted: readonly string[], served: readonly string[]): string | undefined {
  const missing = wanted.filter((r) => !served.includes(r));
  if (!missing.length) return undefined;
  return (
    `metrics.prometheusOperator is true, but this cluster serves no ${missing.join(", ")} (${MONITORING_GROUP}): ` +
    "the Prometheus Operator's CustomResourceDefinitions are not installed. Install the Prometheus Operator, or set " +
    "metrics.prometheusOperator to false: a plain Prometheus finds the pods by their prometheus.io annotations and " +
    "loads deploy/monitoring/alerts.yml"
  );
}

/** The refusal for these inputs on the live cluster, or undefined when it serves every wanted kind. */
export async function operatorRefusal(inputs: MonitoringCrdsInputs): Promise<string | undefined> {
  return missingOperatorResources(inputs.resources, await servedMonitoringResources(inputs.access));
}
