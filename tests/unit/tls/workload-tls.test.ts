// How the program wires TLS into every workload, under Pulumi's mocks: one authority per
// workload, its pods' Secret mounted in every container (sidecars too), the keys only ever as
// secrets, and the plain-text port present exactly when the stack keeps it.
import * as assert from "assert";
import { runProgram } from "../../../harness/program";
import { readStackFile } from "../../../harness/stack-files";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const isSecret = (v: any) => v && typeof v === "object" && Object.values(v).includes(SECRET_SIG);

describe("TLS in the program", function () {
  this.timeout(60_000);

  it("gives each workload its own authority and mounts its Secret in every container of its pods", async () => {
    const run = await runProgram("dev", readStackFile("dev"));
    const of = (type: string, name: string) => run.resources.find((r) => r.type === type && r.name === name)!.inputs;
    const authorities = run.resources.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource" && /-ca$/.test(r.name));
    assert.deepStrictEqual(authorities.map((a) => a.name).sort(), [
      "redis-ca",
      "redis-cluster-ca",
      "redis-sentinel-ca",
      "zookeeper-ca",
    ]);
    for (const [sts, secret] of [
      ["redis", "redis-tls"],
      ["redis-cluster", "redis-cluster-tls"],
      ["redis-sentinel-data", "redis-sentinel-tls"],
      ["redis-sentinel", "redis-sentinel-tls"],
      ["zookeeper", "zookeeper-tls"],
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
    for (const name of ["redis-cluster-tls", "redis-cluster-client-tls", "zookeeper-tls", "zookeeper-client-tls"]) {
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
    // ZooKeeper: TLS on the client port (no plain one: no clientPort, no ";2181" on the server
    // lines) and between the members, a certificate demanded of both.
    const zoo = of("kubernetes:core/v1:ConfigMap", "zookeeper-config").data["zoo.cfg"];
    for (const line of ["secureClientPort=2181", "sslQuorum=true", "ssl.clientAuth=need", "ssl.quorum.clientAuth=need"])
      assert.ok(zoo.split("\n").includes(line), `zoo.cfg has ${line}`);
    assert.doesNotMatch(zoo, /^clientPort=/m);
    assert.doesNotMatch(zoo, /^server\.\d+=.*;/m);
    assert.deepStrictEqual(
      of("kubernetes:core/v1:Service", "zookeeper-client").spec.ports.map((p: any) => p.port),
      [2181],
    );
    const zkHealth = of("pulumi-nodejs:dynamic:Resource", "zookeeper-health");
    assert.ok(isSecret(zkHealth.tls), "the deployer's ZooKeeper certificate reaches the assertion as a secret");
    assert.strictEqual(zkHealth.minValidDays, 7);
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
    assert.deepStrictEqual(
      of("kubernetes:core/v1:Service", "zookeeper-client").spec.ports.map((p: any) => p.port),
      [2181, 2182],
    );
    assert.match(of("kubernetes:core/v1:ConfigMap", "zookeeper-config").data["zoo.cfg"], /^clientPort=2182$/m);
    assert.ok(
      JSON.stringify(of("kubernetes:networking.k8s.io/v1:NetworkPolicy", "zookeeper-netpol").spec.ingress).includes(
        "2182",
      ),
    );
  });
});
