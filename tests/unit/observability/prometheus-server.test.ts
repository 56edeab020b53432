// metrics.prometheus (#27): the stack's own Prometheus, as the program declares it. Off, nothing of
// it appears; on, it holds no password or token, runs with the workloads' secure defaults, answers the
// scrape namespace alone, is admitted to every metrics port, scrapes every pod that serves metrics
// by name, and its configuration and rules pass Prometheus's own checker.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import { Registered } from "../../../harness/mocks";
import { run } from "../../../harness/processes";
import { ProgramRun, runProgram } from "../../../harness/program";
import { readStackFile } from "../../../harness/stack-files";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const PROMETHEUS_POD = { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "prometheus" };

const named = (r: ProgramRun, type: string, name: string): Registered => {
  const found = r.resources.find((x) => x.type === type && x.inputs.metadata?.name === name);
  assert.ok(found, `no ${type} named ${name}`);
  return found;
};

describe("the stack's own Prometheus (metrics.prometheus)", () => {
  let metricsOnly: ProgramRun;
  let on: ProgramRun;
  const metrics = { enabled: true, scrapeNamespace: "monitoring" };
  before(async () => {
    metricsOnly = await runProgram("dev", { ...readStackFile("dev"), metrics });
    on = await runProgram("dev", {
      ...readStackFile("dev"),
      metrics: { ...metrics, prometheus: { enabled: true, interval: "15s", retention: "3d" } },
    });
  });

  it("is not declared unless the stack asks, and no workload admits it", () => {
    assert.deepStrictEqual(
      metricsOnly.resources.filter((r) => JSON.stringify(r.inputs).includes('"prometheus"')).map((r) => r.name),
      [],
    );
  });

  it("holds no token: no service account token, and no Role of its own", () => {
    const spec = named(on, DEPLOYMENT, "prometheus").inputs.spec.template.spec;
    assert.strictEqual(spec.automountServiceAccountToken, false);
    assert.strictEqual(spec.serviceAccountName, undefined);
    assert.deepStrictEqual(
      on.resources.filter((r) => [ROLE, BINDING].includes(r.type) && /prometheus/.test(r.name)).map((r) => r.name),
      [],
    );
  });

  it("runs by digest with the workloads' secure defaults, a bounded volume and the stack's retention", () => {
    const spec = named(on, DEPLOYMENT, "prometheus").inputs.spec.template.spec;
    assert.deepStrictEqual(spec.imagePullSecrets, [{ name: "harbor-pull" }]);
    assert.strictEqual(spec.securityContext.runAsNonRoot, true);
    const [c] = spec.containers;
    assert.match(c.image, /\/prometheus@sha256:[0-9a-f]{64}$/);
    assert.deepStrictEqual(
      [
        c.securityContext.readOnlyRootFilesystem,
        c.securityContext.allowPrivilegeEscalation,
        c.securityContext.capabilities,
      ],
      [true, false, { drop: ["ALL"] }],
    );
    assert.ok(c.resources.limits.memory && c.resources.limits.cpu, "limits");
    assert.ok(c.args.includes("--storage.tsdb.retention.time=3d"), c.args.join(" "));
    assert.ok(spec.volumes.find((v: any) => v.name === "data").emptyDir.sizeLimit, "an emptyDir without a bound");
    // No way to change or stop it over HTTP.
    assert.ok(!c.args.some((a: string) => /enable-lifecycle|enable-admin-api/.test(a)), c.args.join(" "));
  });

  it("answers the scrape namespace alone, and every workload admits it to its metrics port", () => {
    assert.deepStrictEqual(named(on, NETPOL, "prometheus").inputs.spec.ingress, [
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
        ports: [{ protocol: "TCP", port: 9090 }],
      },
    ]);
    for (const [sts, port] of [
      ["redis", 9121],
      ["redis-cluster", 9121],
      ["redis-sentinel-data", 9121],
      ["redis-sentinel", 9121],
      ["zookeeper", 7000],
    ] as const) {
      const metricsRule = named(on, NETPOL, sts).inputs.spec.ingress.find((i: any) =>
        i.ports.some((p: any) => p.port === port),
      );
      assert.deepStrictEqual(metricsRule.from[1], { podSelector: { matchLabels: PROMETHEUS_POD } }, sts);
      const without = named(metricsOnly, NETPOL, sts).inputs.spec.ingress.find((i: any) =>
        i.ports.some((p: any) => p.port === port),
      );
      assert.strictEqual(without.from.length, 1, `${sts} admits more than the scrape namespace without it`);
    }
  });

  it("has a configuration and rules that promtool accepts, scraping the stack's namespace at its interval", async () => {
    const data = named(on, CONFIG_MAP, "prometheus-config").inputs.data;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prometheus-config-"));
    try {
      for (const [f, text] of Object.entries(data)) fs.writeFileSync(path.join(dir, f), text as string);
      const config = await run("promtool", ["check", "config", "--syntax-only", path.join(dir, "prometheus.yml")]);
      assert.strictEqual(config.code, 0, config.stdout + config.stderr);
      const rules = await run("promtool", ["check", "rules", path.join(dir, "alerts.yml")]);
      assert.strictEqual(rules.code, 0, rules.stdout + rules.stderr);
      const parsed = JSON.parse(data["prometheus.yml"]);
      assert.strictEqual(parsed.global.scrape_interval, "15s");
      assert.strictEqual(parsed.global.evaluation_interval, "15s");
      // Every pod that serves metrics, by its stable name, labelled as a PodMonitor labels it.
      const ns = readStackFile("dev").namespace;
      const zone = `${ns}.svc.cluster.local`;
      const expected = [
        ...[0, 1, 2].map((i) => [`zookeeper-${i}`, `zookeeper-${i}.zookeeper-headless.${zone}:7000`]),
        ["redis-0", `redis-0.redis-headless.${zone}:9121`],
        ...[0, 1, 2, 3, 4, 5].map((i) => [
          `redis-cluster-${i}`,
          `redis-cluster-${i}.redis-cluster-headless.${zone}:9121`,
        ]),
        ...[0, 1, 2].map((i) => [
          `redis-sentinel-data-${i}`,
          `redis-sentinel-data-${i}.redis-sentinel-data-headless.${zone}:9121`,
        ]),
        ...[0, 1, 2].map((i) => [`redis-sentinel-${i}`, `redis-sentinel-${i}.redis-sentinel-headless.${zone}:9121`]),
      ];
      assert.deepStrictEqual(
        parsed.scrape_configs[0].static_configs.map((c: any) => [c.labels.pod, c.targets.join(), c.labels.namespace]),
        expected.map(([pod, address]) => [pod, address, ns]),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("the TLS probes (certificates near expiry)", () => {
    const TLS_TARGETS: readonly (readonly [string, number, number, string, string])[] = [
      // StatefulSet, pods, TLS port, authority, what answers.
      ["zookeeper", 3, 2181, "zookeeper", "zookeeper"],
      ["redis", 1, 6379, "redis", "redis"],
      ["redis-cluster", 6, 6379, "redis-cluster", "redis"],
      ["redis-sentinel-data", 3, 6379, "redis-sentinel", "redis"],
      ["redis-sentinel", 3, 26379, "redis-sentinel", "redis"],
    ];
    const config = (r: ProgramRun) => named(r, CONFIG_MAP, "prometheus-config").inputs.data;

    it("runs the blackbox exporter beside Prometheus on loopback, with each authority's client certificate alone", () => {
      const spec = named(on, DEPLOYMENT, "prometheus").inputs.spec.template.spec;
      const blackbox = spec.containers.find((c: any) => c.name === "blackbox");
      assert.ok(blackbox, spec.containers.map((c: any) => c.name).join());
      assert.deepStrictEqual(blackbox.command, ["/usr/bin/prometheus-blackbox-exporter"]);
      assert.ok(blackbox.args.includes("--web.listen-address=127.0.0.1:9115"), blackbox.args.join(" "));
      assert.strictEqual(blackbox.securityContext.readOnlyRootFilesystem, true);
      const authorities = ["redis", "redis-cluster", "redis-sentinel", "zookeeper"];
      assert.deepStrictEqual(
        blackbox.volumeMounts.filter((m: any) => m.name !== "config").map((m: any) => [m.mountPath, m.readOnly]),
        authorities.map((a) => [`/tls/${a}`, true]),
      );
      // The client certificates and nothing else: no password, no pod's own key.
      const secrets = spec.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName);
      assert.deepStrictEqual(
        secrets,
        authorities.map((a) => `${a}-client-tls`),
      );
      assert.ok(
        spec.containers.find((c: any) => c.name === "prometheus").volumeMounts.every((m: any) => !/^tls-/.test(m.name)),
        "Prometheus itself mounts a certificate",
      );
    });

    it("probes every pod's TLS client port by name, asking a question past the handshake", () => {
      const data = config(on);
      const job = JSON.parse(data["prometheus.yml"]).scrape_configs.find((j: any) => j.job_name === "tls");
      assert.ok(job, "no tls job");
      const zone = `${readStackFile("dev").namespace}.svc.cluster.local`;
      const expected = TLS_TARGETS.flatMap(([sts, pods, port, authority, protocol]) =>
        [...Array(pods).keys()].map((i) => [
          `${sts}-${i}`,
          `${sts}-${i}.${sts}-headless.${zone}:${port}`,
          `${protocol}-${authority}`,
        ]),
      );
      assert.deepStrictEqual(
        job.static_configs.map((c: any) => [c.labels.pod, c.targets.join(), c.labels.__param_module]),
        expected,
      );
      const modules = JSON.parse(data["blackbox.yml"]).modules;
      assert.deepStrictEqual(Object.keys(modules).sort(), [...new Set(expected.map((e) => e[2]))].sort());
      for (const [name, m] of Object.entries<any>(modules)) {
        const authority = name.replace(/^(redis|zookeeper)-/, "");
        assert.deepStrictEqual(m.tcp.tls_config, {
          ca_file: `/tls/${authority}/ca.crt`,
          cert_file: `/tls/${authority}/tls.crt`,
          key_file: `/tls/${authority}/tls.key`,
        });
        assert.strictEqual(m.tcp.tls, true);
        assert.deepStrictEqual(m.tcp.query_response[0], { send: name.startsWith("zookeeper") ? "srvr" : "PING" });
      }
    });

    it("is admitted to each workload's TLS client port and no other client or peer port", () => {
      for (const [sts, , port] of TLS_TARGETS) {
        const admitting = named(on, NETPOL, sts)
          .inputs.spec.ingress.filter((i: any) =>
            i.from.some((f: any) => isDeepStrictEqual(f, { podSelector: { matchLabels: PROMETHEUS_POD } })),
          )
          .flatMap((i: any) => i.ports.map((p: any) => p.port))
          .sort();
        assert.deepStrictEqual(admitting, [port, sts === "zookeeper" ? 7000 : 9121].sort(), sts);
        const without = named(metricsOnly, NETPOL, sts).inputs.spec.ingress;
        assert.ok(!JSON.stringify(without).includes('"prometheus"'), `${sts} admits a Prometheus the stack has not`);
      }
    });

    it("alerts on the stack's own certificate days", async () => {
      const r = await runProgram("dev", {
        ...readStackFile("dev"),
        metrics: { ...metrics, prometheus: { enabled: true } },
        tls: { renewBeforeDays: 20, minValidDays: 5 },
      });
      const rules = JSON.parse(config(r)["alerts.yml"]).groups.flatMap((g: any) => g.rules);
      const expr = (alert: string) => rules.find((x: any) => x.alert === alert).expr;
      assert.match(expr("MiddlewareCertificateRenewalDue"), /< 20$/);
      assert.match(expr("MiddlewareCertificateExpiring"), /< 5$/);
    });
  });
});
