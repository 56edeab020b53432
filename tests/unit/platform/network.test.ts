import * as assert from "assert";
import { networkPolicySpec, podHosts, serviceZone } from "../../../components/platform/network";

describe("network specs", () => {
  it("names pods under their StatefulSet's headless Service in the namespace's zone", () => {
    const zone = serviceZone("middleware-dev", "corp.example");
    assert.strictEqual(zone, "middleware-dev.svc.corp.example");
    assert.deepStrictEqual(podHosts("redis-cluster", 2, zone), [
      "redis-cluster-0.redis-cluster-headless.middleware-dev.svc.corp.example",
      "redis-cluster-1.redis-cluster-headless.middleware-dev.svc.corp.example",
    ]);
  });

  it("lets peers reach every port, clients only the client ports, and a runner namespace only those", () => {
    const spec = networkPolicySpec({
      selector: { app: "zk" },
      peerPorts: [{ name: "quorum", port: 2888 }],
      clientPorts: [{ name: "client", port: 2181 }],
      clientNamespaces: ["apps"],
      clientPodLabel: { "zk-client": "true" },
      runnerNamespace: "pulumi-operator",
    });
    const rules = spec.ingress as { from: object[]; ports: { port: number }[] }[];
    assert.deepStrictEqual(
      rules.map((r) => r.ports.map((p) => p.port)),
      [[2888, 2181], [2181], [2181]],
    );
    // A client namespace's pods must also carry the client label: both selectors in one entry.
    assert.deepStrictEqual(rules[1].from[1], {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } },
      podSelector: { matchLabels: { "zk-client": "true" } },
    });
    assert.deepStrictEqual(rules[2].from, [
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "pulumi-operator" } } },
    ]);
  });
});
