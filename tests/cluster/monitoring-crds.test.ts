// The preflight check behind metrics.prometheusOperator, against the local cluster's real API
// discovery: it refuses, naming what is missing, while the Prometheus Operator's kinds are not
// served, and passes once CustomResourceDefinitions for them are (minimal ones the test installs
// and removes: the check asks discovery, which serves any established CRD).
import * as assert from "assert";
import * as path from "path";
import { Kubectl, clusterEnv, ensureCluster, localCluster } from "../../harness/cluster";
import { operatorRefusal } from "../../components/observability/monitoring-crds-logic";
import type { Access } from "../../components/provider-kit/reach";
import { waitFor } from "../../harness/processes";

const WANTED = ["podmonitors", "prometheusrules"];

/** A CustomResourceDefinition of monitoring.coreos.com/v1 that accepts any spec. */
function crd(plural: string, kind: string) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.monitoring.coreos.com` },
    spec: {
      group: "monitoring.coreos.com",
      scope: "Namespaced",
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  };
}

describe("the Prometheus Operator preflight check on the local cluster (real API discovery)", function () {
  this.timeout(5 * 60 * 1000);
  let kubectl: Kubectl;
  let access: Access;
  let startedBySuite = false;
  const originalPath = process.env.PATH;

  before(async () => {
    startedBySuite = await ensureCluster();
    const env = await clusterEnv();
    kubectl = new Kubectl(env);
    // The check runs kubectl as the providers do: from PATH, with the stack's context.
    process.env.PATH = `${env.TOOLS_BIN}${path.delimiter}${originalPath}`;
    access = { kind: "portForward", namespace: "default", kubeconfig: env.KUBECONFIG };
    const served = await kubectl.run(["api-resources", "--api-group=monitoring.coreos.com", "-o", "name"]);
    assert.strictEqual(served.stdout.trim(), "", "the local cluster must not serve the operator's kinds already");
  });
  after(async () => {
    await kubectl?.run([
      "delete",
      "crd",
      ...WANTED.map((p) => `${p}.monitoring.coreos.com`),
      "--ignore-not-found",
      "--wait=true",
    ]);
    process.env.PATH = originalPath;
    if (startedBySuite) await localCluster("down");
  });

  const refusalOnceSettled = (want: RegExp | undefined) =>
    waitFor(`the check ${want ? `to refuse with ${want}` : "to pass"}`, 60_000, async () => {
      const refusal = await operatorRefusal({ resources: WANTED, access });
      return (want ? refusal !== undefined && want.test(refusal) : refusal === undefined) ? true : undefined;
    });

  it("refuses, naming both kinds, the setting and the ways out, where the operator is not installed", async () => {
    const refusal = await operatorRefusal({ resources: WANTED, access });
    assert.match(
      refusal ?? "",
      /^metrics\.prometheusOperator is true, but this cluster serves no podmonitors, prometheusrules \(monitoring\.coreos\.com\).*set metrics\.prometheusOperator to false/,
    );
  });

  it("names only what is still missing, and passes once both are served", async () => {
    await kubectl.apply(crd("podmonitors", "PodMonitor"));
    await refusalOnceSettled(/serves no prometheusrules \(/);
    await kubectl.apply(crd("prometheusrules", "PrometheusRule"));
    await refusalOnceSettled(undefined);
  });
});
