// The Prometheus Operator's objects a stack declares with metrics.prometheusOperator: the alert
// rules as a PrometheusRule (a PodMonitor per workload comes with each StatefulWorkload). Both
// wait for the preflight check that the cluster serves these kinds.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertRuleGroups } from "./alert-groups";
import type { CertificateDays } from "./tls-probes";
import { MONITORING_API_VERSION } from "./monitoring-crds-logic";
import { stackLabels } from "../platform/labels";

/** The kinds of monitoring.coreos.com a stack with metrics.prometheusOperator declares, by plural name. */
export const OPERATOR_RESOURCES = ["podmonitors", "prometheusrules"] as const;

export interface AlertRulesArgs {
  readonly namespace: pulumi.Input<string>;
  /** The stack's name, carried as the middleware/stack label a Prometheus's ruleSelector may match. */
  readonly stack: string;
  /** What the certificate alerts hold the stack to (tls settings). */
  readonly certificateDays: CertificateDays;
}

/** The alerts of components/observability as a PrometheusRule `middleware-alerts` in the stack's namespace. */
export function prometheusRule(
  args: AlertRulesArgs,
  opts?: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    "alert-rules",
    {
      apiVersion: MONITORING_API_VERSION,
      kind: "PrometheusRule",
      metadata: {
        name: "middleware-alerts",
        namespace: args.namespace,
        labels: stackLabels(args.stack),
      },
      spec: { groups: alertRuleGroups(args.certificateDays) },
    },
    opts,
  );
}
