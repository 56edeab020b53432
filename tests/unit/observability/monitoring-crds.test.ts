// The refusal of metrics.prometheusOperator where the cluster lacks the operator's kinds.
import * as assert from "assert";
import { missingOperatorResources } from "../../../components/observability/monitoring-crds-logic";

describe("Prometheus Operator kinds for metrics.prometheusOperator", () => {
  it("passes when the cluster serves every kind the stack declares", () => {
    assert.strictEqual(
      missingOperatorResources(["podmonitors", "prometheusrules"], ["alertmanagers", "podmonitors", "prometheusrules"]),
      undefined,
    );
  });

  it("names what is missing, the setting and both ways out", () => {
    const refusal = missingOperatorResources(["podmonitors", "prometheusrules"], ["podmonitors"]);
    assert.strictEqual(
      refusal,
      "metrics.prometheusOperator is true, but this cluster serves no prometheusrules (monitoring.coreos.com): " +
        "the Prometheus Operator's CustomResourceDefinitions are not installed. Install the Prometheus Operator, or set " +
        "metrics.prometheusOperator to false: a plain Prometheus finds the pods by their prometheus.io annotations and " +
        "loads deploy/monitoring/alerts.yml",
    );
    assert.match(
      missingOperatorResources(["podmonitors", "prometheusrules"], [])!,
      /serves no podmonitors, prometheusrules/,
    );
  });
});
