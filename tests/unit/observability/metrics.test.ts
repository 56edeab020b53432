// Metrics in the program (#27): off by default, when nothing of them may appear (a stack that does
// not ask must not roll for them); on, every Redis pod runs the metrics sidecar as its own least-
// privileged user, announced to a plain Prometheus, reachable from the scrape namespace alone.
import * as assert from "assert";
import { Registered } from "../../../harness/mocks";
import { ProgramRun, runProgram } from "../../../harness/program";
import { readStackFile } from "../../../harness/stack-files";

const STS = "kubernetes:apps/v1:StatefulSet";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";

/** Each Redis StatefulSet, its main container and the port its sidecar reads. */
const REDIS_PODS = [
  { sts: "redis", main: "redis", port: "6379", conf: "redis.conf" },
  { sts: "redis-cluster", main: "redis", port: "6379", conf: "redis.conf" },
  { sts: "redis-sentinel-data", main: "redis", port: "6379", conf: "redis.conf" },
  { sts: "redis-sentinel", main: "sentinel", port: "26379", conf: "sentinel.conf" },
];

const named = (run: ProgramRun, type: string, name: string): Registered => {
  const found = run.resources.find((r) => r.type === type && r.inputs.metadata?.name === name);
  assert.ok(found, `no ${type} named ${name}`);
  return found;
};
const podSpec = (run: ProgramRun, sts: string) => named(run, STS, sts).inputs.spec.template.spec;
/** The auth Secret's keys a container mounts at /etc/auth. */
const mountedAuth = (run: ProgramRun, sts: string, container: string): string[] => {
  const spec = podSpec(run, sts);
  const c = spec.containers.find((x: any) => x.name === container);
  const mount = c.volumeMounts.find((m: any) => m.mountPath === "/etc/auth");
  return spec.volumes.find((v: any) => v.name === mount.name).secret.items.map((i: any) => i.key);
};
/** The Secret's data, Pulumi's secret wrapping taken off. */
const secretData = (run: ProgramRun, name: string): Record<string, string> => {
  const data = named(run, SECRET, name).inputs.stringData;
  return data && typeof data === "object" && "value" in data ? data.value : data;
};

describe("metrics in the program", () => {
  let off: ProgramRun;
  let on: ProgramRun;
  before(async () => {
    off = await runProgram("dev", readStackFile("dev"));
    on = await runProgram("dev", {
      ...readStackFile("dev"),
      metrics: { enabled: true, scrapeNamespace: "monitoring" },
    });
  });

  it("adds nothing while off: no sidecar, no metrics user or password, no port, no annotation", () => {
    const everything = JSON.stringify(off.resources.map((r) => r.inputs));
    for (const trace of [
      /redis-metrics/,
      /metrics-password/,
      /user metrics/,
      /\b9121\b/,
      /prometheus\.io/,
      /metricsProvider/,
    ])
      assert.doesNotMatch(everything, trace, "with metrics off");
  });

  it("runs the metrics sidecar in every Redis pod, on the pod's image and security, reading its own server", () => {
    for (const w of REDIS_PODS) {
      const spec = podSpec(on, w.sts);
      const main = spec.containers.find((c: any) => c.name === w.main);
      const sidecar = spec.containers.find((c: any) => c.name === "metrics");
      assert.ok(sidecar, `${w.sts} has no metrics sidecar`);
      assert.deepStrictEqual(sidecar.command, ["/usr/local/bin/redis-metrics"]);
      assert.strictEqual(sidecar.image, main.image);
      assert.deepStrictEqual(sidecar.securityContext, main.securityContext);
      const env = Object.fromEntries(sidecar.env.map((e: any) => [e.name, e.value]));
      assert.deepStrictEqual(env, { REDIS_PORT: w.port, METRICS_LISTEN: ":9121" }, w.sts);
      assert.deepStrictEqual(sidecar.ports, [{ name: "metrics", containerPort: 9121 }]);
      assert.deepStrictEqual(sidecar.livenessProbe.httpGet, { path: "/health", port: 9121 });
      // The pod's readiness is its server's: a failing scrape must not take it out of its Services.
      assert.strictEqual(sidecar.readinessProbe, undefined);
      assert.ok(
        sidecar.volumeMounts.some((m: any) => m.mountPath === "/etc/tls"),
        `${w.sts}: the sidecar presents the pod's certificate`,
      );
    }
    // ZooKeeper serves its own metrics: no sidecar.
    assert.ok(!podSpec(on, "zookeeper").containers.some((c: any) => c.name === "metrics"));
  });

  it("gives the sidecar the metrics password alone, and the server only its hash", () => {
    for (const w of REDIS_PODS) {
      assert.deepStrictEqual(mountedAuth(on, w.sts, "metrics"), ["metrics-password"], w.sts);
      const main = mountedAuth(on, w.sts, w.main);
      assert.ok(main.includes("metrics-password.sha256"), `${w.sts}: ${main.join(", ")}`);
      assert.ok(!main.includes("metrics-password"), `${w.sts}: the server holds the metrics password itself`);
    }
    for (const secret of ["redis-auth", "redis-cluster-auth", "redis-sentinel-auth"])
      assert.match(secretData(on, secret)["metrics-password"], /^[0-9a-f]{64}$/, secret);
    // Derived per workload like every internal password: one stolen reads no other workload.
    assert.notStrictEqual(
      secretData(on, "redis-auth")["metrics-password"],
      secretData(on, "redis-cluster-auth")["metrics-password"],
    );
  });

  it("renders the metrics user with its narrow rules, by hash, on every server and sentinel", () => {
    for (const w of REDIS_PODS) {
      const conf: string = named(on, CONFIG_MAP, `${w.sts}-config`).inputs.data[w.conf];
      const user = conf.split("\n").find((l) => l.startsWith("user metrics "));
      assert.ok(user, `${w.sts} has no metrics user`);
      assert.match(user, /^user metrics on @HASH:metrics-password@ resetchannels -@all /);
      assert.ok(!/\+@|~|&|config|slowlog\|get|keys|scan/.test(user.replace(/-@all/, "")), user);
      assert.strictEqual(user.includes("+cluster|info"), w.sts === "redis-cluster", user);
    }
  });

  it("announces the pods to a plain Prometheus and admits the scrape namespace alone to the metrics port", () => {
    for (const w of REDIS_PODS) {
      const annotations = named(on, STS, w.sts).inputs.spec.template.metadata.annotations;
      assert.strictEqual(annotations["prometheus.io/scrape"], "true");
      assert.strictEqual(annotations["prometheus.io/port"], "9121");
      assert.strictEqual(annotations["prometheus.io/path"], "/metrics");
      const rules = named(on, NETPOL, w.sts).inputs.spec.ingress;
      const metricsRules = rules.filter((r: any) => r.ports.some((p: any) => p.port === 9121));
      assert.deepStrictEqual(
        metricsRules,
        [
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
            ports: [{ protocol: "TCP", port: 9121 }],
          },
        ],
        w.sts,
      );
    }
  });

  it("declares the Prometheus Operator's objects only when asked, after checking the cluster serves them", async () => {
    const kinds = (run: ProgramRun) =>
      run.resources.filter((r) => /PodMonitor|PrometheusRule/.test(r.inputs.kind ?? "")).map((r) => r.inputs);
    assert.deepStrictEqual(kinds(on), [], "metrics on alone declares no operator object");
    const operator = await runProgram("dev", {
      ...readStackFile("dev"),
      metrics: { enabled: true, scrapeNamespace: "monitoring", prometheusOperator: true },
    });
    const objects = kinds(operator);
    const monitors = objects.filter((o) => o.kind === "PodMonitor");
    assert.deepStrictEqual(
      monitors.map((m) => m.metadata.name).sort(),
      [...REDIS_PODS.map((w) => w.sts), "zookeeper"].sort(),
    );
    for (const m of monitors) {
      const sts = named(operator, STS, m.metadata.name).inputs;
      assert.strictEqual(m.apiVersion, "monitoring.coreos.com/v1");
      assert.deepStrictEqual(m.spec.selector.matchLabels, sts.spec.selector.matchLabels);
      assert.deepStrictEqual(m.spec.podMetricsEndpoints, [{ port: "metrics", path: "/metrics", interval: "30s" }]);
    }
    const rules = objects.filter((o) => o.kind === "PrometheusRule");
    assert.strictEqual(rules.length, 1);
    assert.strictEqual(rules[0].metadata.name, "middleware-alerts");
    assert.ok(rules[0].spec.groups[0].rules.some((r: any) => r.alert === "RedisClusterSlotsNotCovered"));
    const check = operator.resources.find((r) => r.name === "monitoring-crds");
    assert.ok(check, "the preflight check of the operator's kinds");
    assert.deepStrictEqual(check.inputs.resources, ["podmonitors", "prometheusrules"]);
    assert.ok(!on.resources.some((r) => r.name === "monitoring-crds"), "no check when no operator object is declared");
  });

  it("has ZooKeeper serve its own metrics (its Prometheus provider) on 7000, to the scrape namespace alone", () => {
    const cfg: string = named(on, CONFIG_MAP, "zookeeper-config").inputs.data["zoo.cfg"];
    assert.match(
      cfg,
      /^metricsProvider\.className=org\.apache\.zookeeper\.metrics\.prometheus\.PrometheusMetricsProvider$/m,
    );
    assert.match(cfg, /^metricsProvider\.httpPort=7000$/m);
    const offCfg: string = named(off, CONFIG_MAP, "zookeeper-config").inputs.data["zoo.cfg"];
    assert.doesNotMatch(offCfg, /metricsProvider/);
    const sts = named(on, STS, "zookeeper").inputs.spec.template;
    assert.ok(sts.spec.containers[0].ports.some((p: any) => p.name === "metrics" && p.containerPort === 7000));
    assert.strictEqual(sts.metadata.annotations["prometheus.io/port"], "7000");
    const rules = named(on, NETPOL, "zookeeper").inputs.spec.ingress;
    assert.deepStrictEqual(
      rules.filter((r: any) => r.ports.some((p: any) => p.port === 7000)),
      [
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
          ports: [{ protocol: "TCP", port: 7000 }],
        },
      ],
    );
  });
});
