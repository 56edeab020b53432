// How the program wires TLS into every Redis workload, under Pulumi's mocks: one authority per
// workload, its pods' Secret mounted in every container (sidecars too), the keys only ever as
// secrets, and the plain-text port present exactly when the stack keeps it.
import * as assert from "assert";
import { runProgram } from "../../support/program";
import { readStackFile } from "../../support/stack-files";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const isSecret = (v: any) => v && typeof v === "object" && Object.values(v).includes(SECRET_SIG);

describe("TLS in the program", function () {
  this.timeout(60_000);

  it("gives each Redis workload its own authority and mounts its Secret in every container of its pods", async () => {
    const run = await runProgram("dev", readStackFile("dev"));
    const of = (type: string, name: string) => run.resources.find((r) => r.type === type && r.name === name)!.inputs;
    const authorities = run.resources.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource" && /-ca$/.test(r.name));
    assert.deepStrictEqual(authorities.map((a) => a.name).sort(), [
      "redis-ca",
      "redis-cluster-ca",
      "redis-sentinel-ca",
    ]);
    for (const [sts, secret] of [
      ["redis", "redis-tls"],
      ["redis-cluster", "redis-cluster-tls"],
      ["redis-sentinel-data", "redis-sentinel-tls"],
      ["redis-sentinel", "redis-sentinel-tls"],
    ]) {
      const spec = of("kubernetes:apps/v1:StatefulSet", sts).spec.template;
      const volume = spec.spec.volumes.find((v: any) => v.name === "tls");
      assert.strictEqual(volume?.secret.secretName, secret, sts);
      assert.strictEqual(volume.secret.defaultMode, 0o440);
      for (const c of spec.spec.containers)
        assert.ok(
          c.volumeMounts.some((m: any) => m.name === "tls" && m.mountPath === "/etc/tls" && m.readOnly),
          `${sts}/${c.name} mounts the certificate`,
        );
      assert.match(spec.metadata.annotations["middleware/tls-fingerprint"], /^[0-9a-f]{32}\/[0-9a-f]{32}$/);
    }
    for (const name of ["redis-cluster-tls", "redis-cluster-client-tls"]) {
      const s = of("kubernetes:core/v1:Secret", name);
      assert.strictEqual(s.type, "kubernetes.io/tls");
      assert.ok(isSecret(s.stringData), `${name}'s data (the key) is a secret in state`);
      assert.deepStrictEqual(Object.keys(s.stringData.value).sort(), ["ca.crt", "tls.crt", "tls.key"]);
    }
    // The sentinels' certificate names the data pods and the sentinels alike.
    const sentinelCert = of("pulumi-nodejs:dynamic:Resource", "redis-sentinel-tls");
    assert.ok(sentinelCert.dnsNames.includes("*.redis-sentinel-data-headless.middleware-dev.svc.cluster.local"));
    assert.ok(sentinelCert.dnsNames.includes("*.redis-sentinel-headless.middleware-dev.svc.cluster.local"));
    assert.ok(isSecret(sentinelCert.authorityKeyPem), "the authority's key reaches a certificate as a secret");
    // No plain-text port unless the stack keeps one.
    const ports = of("kubernetes:core/v1:Service", "redis-cluster-client").spec.ports.map((p: any) => p.port);
    assert.deepStrictEqual(ports, [6379]);
    const conf = of("kubernetes:core/v1:ConfigMap", "redis-sentinel-config").data["sentinel.conf"];
    assert.match(conf, /^tls-port 26379$/m);
    assert.match(conf, /^port 0$/m);
    assert.match(conf, /^tls-replication yes$/m);
  });

  it("keeps a plain-text port beside the TLS one, in the Services and NetworkPolicies, when tls.plaintextPorts is set", async () => {
    const run = await runProgram("dev", { ...readStackFile("dev"), tls: { plaintextPorts: true } });
    const of = (type: string, name: string) => run.resources.find((r) => r.type === type && r.name === name)!.inputs;
    assert.deepStrictEqual(
      of("kubernetes:core/v1:Service", "redis-client").spec.ports.map((p: any) => p.port),
      [6379, 6380],
    );
    assert.deepStrictEqual(
      of("kubernetes:core/v1:Service", "redis-sentinel-client").spec.ports.map((p: any) => p.port),
      [26379, 26380],
    );
    const policy = of("kubernetes:networking.k8s.io/v1:NetworkPolicy", "redis-netpol");
    assert.ok(JSON.stringify(policy.spec.ingress).includes("6380"));
    assert.match(of("kubernetes:core/v1:ConfigMap", "redis-config").data["redis.conf"], /^port 6380$/m);
  });
});
