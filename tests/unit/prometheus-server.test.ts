// metrics.prometheus (#27): the stack's own Prometheus, as the program declares it. Off, nothing of
// it appears; on, it holds no credential, runs with the workloads' secure defaults, answers the
// scrape namespace alone, is admitted to every metrics port, scrapes every pod that serves metrics
// by name, and its configuration and rules pass Prometheus's own checker.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Registered } from "../support/mocks";
import { run } from "../support/processes";
import { ProgramRun, runProgram } from "../support/program";
import { readStackFile } from "../support/stack-files";

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

  it("holds no credential: no service account token, and no Role of its own", () => {
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
});
