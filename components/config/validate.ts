// Validation of one stack's configuration into typed settings (settings.ts). Pure: no Pulumi
// import, so every rule is unit-tested directly and the stack files are checked without an engine.
import {
  ConfigError,
  ConfigProblem,
  CPU,
  DNS_LABEL,
  DNS_SUBDOMAIN,
  HOST,
  JAVA_HEAP,
  QUANTITY,
  REDIS_BYTES,
  Raw,
  Section,
  cpuMillis,
  directoryProblem,
  quantityBytes,
  suffixedBytes,
} from "./section";
import { clientAclProblems } from "./client-acl";

import {
  PROJECT,
  AntiAffinity,
  AppendFsync,
  HealthAccess,
  HealthSettings,
  MetricsSettings,
  PrometheusSettings,
  ReclaimPolicy,
  RedisClusterSettings,
  RedisSentinelSettings,
  RedisSettings,
  Resources,
  SecretKey,
  StackSettings,
  TlsSettings,
  NfsVersion,
  StorageMode,
  StorageSettings,
  Workload,
  ZooKeeperSettings,
  TLS_DAY_DEFAULTS,
} from "./settings";

import { SecretState, secretProblems } from "./secrets";
import { DEFAULT_CLIENT_ACL, DEFAULT_CLUSTER_DOMAIN } from "./defaults";

/** Where a problem with the stack's own name is reported (it is no config key). */
const STACK_NAME = "(stack name)";

/** Namespaces Kubernetes creates and runs in; a stack never takes one over. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

const SMALL: Resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } };
const SENTINEL: Resources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } };

function resources(s: Section, def: Resources): Resources {
  const r = s.section("resources");
  const part = (name: "requests" | "limits") => {
    const p = r.section(name);
    return {
      cpu: p.string("cpu", def[name].cpu, CPU, 'must be a CPU quantity like "250m" or "1"'),
      memory: p.string("memory", def[name].memory, QUANTITY, 'must be a memory quantity like "512Mi"'),
    };
  };
  const out = { requests: part("requests"), limits: part("limits") };
  if (quantityBytes(out.requests.memory) > quantityBytes(out.limits.memory)) {
    r.fail("requests.memory", `must not exceed limits.memory (${out.requests.memory} > ${out.limits.memory})`);
  }
  if (cpuMillis(out.requests.cpu) > cpuMillis(out.limits.cpu)) {
    r.fail("requests.cpu", `must not exceed limits.cpu (${out.requests.cpu} > ${out.limits.cpu})`);
  }
  return out;
}

function maxmemory(s: Section, r: Resources, def: string): string {
  const v = s.string("maxmemory", def, REDIS_BYTES, 'must be a Redis size with its unit, like "256mb"');
  if (REDIS_BYTES.test(v) && suffixedBytes(v) < 2 ** 20) {
    s.fail("maxmemory", `must be at least 1mb; Redis reads 0 as no limit at all (got "${v}")`);
  }
  // Redis needs headroom above maxmemory for buffers and AOF rewrite; 80% of the limit is the usual ceiling.
  else if (REDIS_BYTES.test(v) && suffixedBytes(v) > 0.8 * quantityBytes(r.limits.memory)) {
    s.fail(
      "maxmemory",
      `must be at most 80% of resources.limits.memory (${r.limits.memory}) so Redis is not OOM-killed (got "${v}")`,
    );
  }
  return v;
}

function clientAcl(s: Section): string {
  const v = s.string("clientAcl", DEFAULT_CLIENT_ACL);
  for (const p of clientAclProblems(v)) s.fail("clientAcl", p);
  return v;
}

/** Where the images go and who pushes and pulls them; the two robot accounts must differ. */
function registry(root: Section): StackSettings["registry"] {
  const reg = root.section("registry");
  // A robot name goes into the pull secret as "user:password", base64: a colon, quote or line break would corrupt it.
  const robot = /^[^\s"'\\:]+$/;
  const robotHint =
    "must not contain whitespace, quotes, backslashes or ':' (it becomes user:password in the pull secret)";
  const registry = {
    server: reg.string("server", undefined, HOST, "the Harbor host, e.g. harbor.example.internal"),
    project: reg.string(
      "project",
      undefined,
      /^[a-z0-9]+([._-][a-z0-9]+)*$/,
      "the Harbor project the images are pushed to",
    ),
    username: reg.string(
      "username",
      undefined,
      undefined,
      "a Harbor robot account with push rights on the project (used only by the image build)",
    ),
    pullUsername: reg.string(
      "pullUsername",
      undefined,
      undefined,
      "a Harbor robot account with pull rights only on the project (the pods' imagePullSecret)",
    ),
  };
  for (const k of ["username", "pullUsername"] as const) {
    if (registry[k] !== "" && !robot.test(registry[k]))
      reg.fail(k, `${robotHint} (got ${JSON.stringify(registry[k])})`);
  }
  const port = /:([0-9]+)$/.exec(registry.server)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    reg.fail("server", `has port ${port}, outside 1-65535`);
  if (registry.pullUsername !== "" && registry.pullUsername === registry.username) {
    reg.fail(
      "pullUsername",
      "must differ from registry.username: the pods' pull secret must not be able to push images; create a pull-only robot account",
    );
  }
  return registry;
}

function images(root: Section): StackSettings["images"] {
  const imagesSection = root.section("images");
  return {
    baseImage: imagesSection.string("baseImage", "debian:bookworm-slim", /^[^\s]+$/, "must be an image reference"),
    packagesAsOf: imagesSection.string(
      "packagesAsOf",
      "",
      /^(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?$/,
      "must be a date, YYYY-MM-DD (the day whose Debian packages the images install)",
    ),
  };
}

function storage(root: Section): StorageSettings {
  const s = root.section("storage");
  const mode = s.oneOf("mode", StorageMode, StorageMode.Nfs);
  const sizesSection = s.section("sizes");
  const sizes = Object.fromEntries(
    Object.values(Workload).map((w) => {
      const size = sizesSection.string(w, "1Gi", QUANTITY, 'must be a storage size like "10Gi"');
      const bytes = quantityBytes(size);
      if (QUANTITY.test(size) && (bytes < 64 * 2 ** 20 || bytes > 64 * 2 ** 40)) {
        sizesSection.fail(w, `must be between 64Mi and 64Ti per pod (got "${size}"; a bare number is bytes)`);
      }
      return [w, size];
    }),
  ) as Record<Workload, string>;
  const reclaimPolicy = s.oneOf("reclaimPolicy", ReclaimPolicy, ReclaimPolicy.Retain);
  // Each mode reads its own keys; the others' may stay in the file.
  s.allow("nfs", "local", "storageClassName");
  if (mode === StorageMode.Nfs) {
    const n = s.section("nfs");
    const server = n.string("server", undefined, HOST, "the NFS server host name or IP, e.g. nfs.example.internal");
    const path = n.string("path", undefined, /^\/[^\s]*$/, "the absolute exported directory, e.g. /exports/middleware");
    const bad = directoryProblem(path);
    if (bad) n.fail("path", `${bad} (got "${path}")`);
    // 4.1 unless the server speaks less (many NAS appliances serve only v3 to Linux clients).
    const version = n.oneOf("version", NfsVersion, NfsVersion.V4_1);
    return { mode, nfs: { server, path: path.replace(/\/+$/, ""), version }, reclaimPolicy, sizes };
  }
  if (mode === StorageMode.Local) {
    const l = s.section("local");
    const path = l.string(
      "path",
      undefined,
      /^\/[^\s]*$/,
      "an absolute directory on the node, e.g. /var/lib/middleware",
    );
    const bad = directoryProblem(path);
    if (bad) l.fail("path", `${bad} (got "${path}")`);
    const node = l.string(
      "node",
      undefined,
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
      "the kubernetes.io/hostname of the node holding the volumes",
    );
    return { mode, local: { path: path.replace(/\/+$/, ""), node }, reclaimPolicy, sizes };
  }
  const storageClassName = s.string(
    "storageClassName",
    undefined,
    DNS_SUBDOMAIN,
    "the StorageClass that provisions the volumes",
  );
  return { mode, storageClassName, reclaimPolicy, sizes };
}

function health(root: Section): HealthSettings {
  const s = root.section("health");
  const kubeContext = s.has("kubeContext")
    ? s.string("kubeContext", undefined, /^[^\s]+$/, "a kubectl context name")
    : undefined;
  const runnerNamespace = s.has("runnerNamespace")
    ? s.string("runnerNamespace", undefined, DNS_LABEL, "the namespace pulumi runs in, e.g. pulumi-operator")
    : undefined;
  return {
    enabled: s.bool("enabled", true),
    access: s.oneOf("access", HealthAccess, HealthAccess.Direct),
    kubeContext,
    ...(runnerNamespace ? { runnerNamespace } : {}),
    retrySeconds: s.int("retrySeconds", 300, 0, 3600),
  };
}

function tls(root: Section): TlsSettings {
  const s = root.section("tls");
  const validityDays = s.int("validityDays", 365, 2, 3650);
  const renewBeforeDays = s.int("renewBeforeDays", TLS_DAY_DEFAULTS.renewBeforeDays, 1, 3649);
  const minValidDays = s.int("minValidDays", TLS_DAY_DEFAULTS.minValidDays, 0, 3648);
  const authorityValidityDays = s.int("authorityValidityDays", 3650, 30, 36500);
  if (renewBeforeDays >= validityDays)
    s.fail(
      "renewBeforeDays",
      `must be less than validityDays (${validityDays}), or every up would issue anew (got ${renewBeforeDays})`,
    );
  if (minValidDays >= renewBeforeDays)
    s.fail(
      "minValidDays",
      `must be less than renewBeforeDays (${renewBeforeDays}): a certificate is renewed before the assertion would fail on it (got ${minValidDays})`,
    );
  if (authorityValidityDays < validityDays)
    s.fail(
      "authorityValidityDays",
      `must be at least validityDays (${validityDays}): no certificate may outlive the authority that signed it (got ${authorityValidityDays})`,
    );
  return {
    plaintextPorts: s.bool("plaintextPorts", false),
    validityDays,
    renewBeforeDays,
    minValidDays,
    authorityValidityDays,
  };
}

function metrics(root: Section): MetricsSettings {
  const s = root.section("metrics");
  const enabled = s.bool("enabled", false);
  const prometheusOperator = s.bool("prometheusOperator", false);
  if (prometheusOperator && !enabled)
    s.fail("prometheusOperator", "declares PodMonitors for metrics that are off; set metrics.enabled to true too");
  const scrapeNamespace =
    enabled || s.has("scrapeNamespace")
      ? s.string(
          "scrapeNamespace",
          undefined,
          DNS_LABEL,
          "the namespace Prometheus runs in, e.g. monitoring: only its pods may reach the metrics ports",
        )
      : "";
  return { enabled, scrapeNamespace, prometheusOperator, prometheus: prometheus(s, enabled) };
}

const PROMETHEUS_RESOURCES: Resources = {
  requests: { cpu: "50m", memory: "256Mi" },
  limits: { cpu: "500m", memory: "512Mi" },
};

function prometheus(metricsSection: Section, metricsOn: boolean): PrometheusSettings {
  const s = metricsSection.section("prometheus");
  const enabled = s.bool("enabled", false);
  if (enabled && !metricsOn)
    s.fail("enabled", "runs a Prometheus for metrics that are off; set metrics.enabled to true too");
  const interval = s.string(
    "interval",
    "30s",
    /^[1-9][0-9]*[sm]$/,
    'must be a duration in seconds or minutes like "30s" or "1m"',
  );
  // A scrape may take the interval at most; the metrics sidecar waits up to 3 s for its server.
  if (/^[1-4]s$/.test(interval))
    s.fail(
      "interval",
      `must be at least 5s: a scrape needs longer than the 3 s a server has to answer (got "${interval}")`,
    );
  return {
    enabled,
    interval,
    retention: s.string(
      "retention",
      "2d",
      /^[1-9][0-9]*[hdw]$/,
      'must be a duration in hours, days or weeks like "2d"',
    ),
    resources: resources(s, PROMETHEUS_RESOURCES),
  };
}

function zookeeper(root: Section): ZooKeeperSettings {
  const s = root.section(Workload.ZooKeeper);
  const replicas = s.int("replicas", 3, 1, 9);
  if (replicas % 2 === 0 || replicas < 3) {
    s.fail("replicas", `must be odd and >= 3 so a majority survives one loss (got ${replicas})`);
  }
  const r = resources(s, { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
  const heap = s.string("heap", "512m", JAVA_HEAP, 'must be a JVM heap size like "512m"');
  if (JAVA_HEAP.test(heap) && suffixedBytes(heap) < 64 * 2 ** 20) {
    s.fail("heap", `must be at least 64m for ZooKeeper to start and hold a useful data tree (got "${heap}")`);
  } else if (JAVA_HEAP.test(heap) && suffixedBytes(heap) > 0.75 * quantityBytes(r.limits.memory)) {
    s.fail(
      "heap",
      `must be at most 75% of resources.limits.memory (${r.limits.memory}) to leave room for the JVM itself (got "${heap}")`,
    );
  }
  const tickTime = s.int("tickTime", 2000, 100, 60000);
  const initLimit = s.int("initLimit", 10, 1, 1000);
  const syncLimit = s.int("syncLimit", 5, 1, 1000);
  if (syncLimit > initLimit) s.fail("syncLimit", `must not exceed initLimit (${initLimit}) (got ${syncLimit})`);
  const resizeFrom = s.has("resizeFrom") ? s.int("resizeFrom", 3, 3, 9) : undefined;
  if (resizeFrom !== undefined && resizeFrom % 2 === 0)
    s.fail("resizeFrom", `is the member count the ensemble had, which is always odd (got ${resizeFrom})`);
  return { enabled: s.bool("enabled", true), replicas, resizeFrom, heap, tickTime, initLimit, syncLimit, resources: r };
}

function redis(root: Section): RedisSettings {
  const s = root.section(Workload.Redis);
  const r = resources(s, SMALL);
  return {
    enabled: s.bool("enabled", true),
    appendfsync: s.oneOf("appendfsync", AppendFsync, AppendFsync.EverySec),
    maxmemory: maxmemory(s, r, "256mb"),
    clientAcl: clientAcl(s),
    clientScripting: s.bool("clientScripting", false),
    resources: r,
  };
}

function redisCluster(root: Section): RedisClusterSettings {
  const s = root.section(Workload.RedisCluster);
  const masters = s.int("masters", 3, 1, 100);
  if (masters < 3)
    s.fail("masters", `must be >= 3: Redis Cluster needs a majority of masters to fail over (got ${masters})`);
  const r = resources(s, SMALL);
  return {
    enabled: s.bool("enabled", true),
    masters,
    replicasPerMaster: s.int("replicasPerMaster", 1, 0, 5),
    nodeTimeoutMs: s.int("nodeTimeoutMs", 5000, 500, 120000),
    maxmemory: maxmemory(s, r, "256mb"),
    clientAcl: clientAcl(s),
    clientScripting: s.bool("clientScripting", false),
    resources: r,
  };
}

function redisSentinel(root: Section): RedisSentinelSettings {
  const s = root.section(Workload.RedisSentinel);
  const sentinels = s.int("sentinels", 3, 1, 9);
  if (sentinels % 2 === 0 || sentinels < 3) {
    s.fail("sentinels", `must be odd and >= 3 so a majority can authorise a failover (got ${sentinels})`);
  }
  const quorum = s.int("quorum", Math.floor(sentinels / 2) + 1, 1, 9);
  if (quorum > sentinels || quorum <= sentinels / 2) {
    s.fail(
      "quorum",
      `must be more than half of sentinels and at most sentinels, i.e. between ${Math.floor(sentinels / 2) + 1} and ${sentinels} (got ${quorum})`,
    );
  }
  const downAfterMs = s.int("downAfterMs", 5000, 100, 600000);
  const failoverTimeoutMs = s.int("failoverTimeoutMs", 60000, 1000, 3600000);
  if (failoverTimeoutMs <= downAfterMs) {
    s.fail("failoverTimeoutMs", `must be greater than downAfterMs (${downAfterMs}) (got ${failoverTimeoutMs})`);
  }
  const r = resources(s, SMALL);
  return {
    enabled: s.bool("enabled", true),
    masterName: s.string("masterName", "mymaster", /^[A-Za-z0-9_-]+$/, "must be letters, digits, _ or -"),
    dataReplicas: s.int("dataReplicas", 3, 2, 9),
    sentinels,
    quorum,
    downAfterMs,
    failoverTimeoutMs,
    maxmemory: maxmemory(s, r, "256mb"),
    clientAcl: clientAcl(s),
    clientScripting: s.bool("clientScripting", false),
    resources: r,
    sentinelResources: resources(s.section("sentinel"), SENTINEL),
  };
}

/**
 * Validates raw stack config (keys without the project prefix, values as Pulumi stores them)
 * and returns typed settings, or throws one ConfigError listing every problem with its fix.
 */
export function parseStackConfig(
  stack: string,
  raw: Raw,
  secrets: Readonly<Record<SecretKey, SecretState>>,
): StackSettings {
  const problems: ConfigProblem[] = [];
  // Every object carries the stack's name as a label value (middleware/stack).
  if (!/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/.test(stack)) {
    problems.push({
      key: STACK_NAME,
      message: `"${stack}" cannot be a Kubernetes label value (middleware/stack): at most 63 letters, digits, -, _ or ., starting and ending with a letter or digit; use a shorter stack name`,
    });
  }
  const root = new Section(raw, "", problems);
  const namespace = root.string(
    "namespace",
    `middleware-${stack}`,
    DNS_LABEL,
    "must be a DNS label (lower-case letters, digits, -)",
  );
  if (RESERVED_NAMESPACES.includes(namespace)) {
    root.fail(
      "namespace",
      `"${namespace}" belongs to Kubernetes itself (its NetworkPolicies and Pod Security labels would be replaced); use one of its own, e.g. middleware-${stack}`,
    );
  }
  const clusterDomain = root.string(
    "clusterDomain",
    DEFAULT_CLUSTER_DOMAIN,
    DNS_SUBDOMAIN,
    "must be the cluster's DNS domain, e.g. cluster.local (the kubelets' clusterDomain)",
  );
  const settings: StackSettings = {
    stack,
    namespace,
    clusterDomain,
    registry: registry(root),
    images: images(root),
    storage: storage(root),
    clientNamespaces: root
      .section("network")
      .stringList("clientNamespaces", [], DNS_LABEL, "each must be a namespace name"),
    antiAffinity: root.section("scheduling").oneOf("antiAffinity", AntiAffinity, AntiAffinity.Required),
    health: health(root),
    tls: tls(root),
    metrics: metrics(root),
    zookeeper: zookeeper(root),
    redis: redis(root),
    redisCluster: redisCluster(root),
    redisSentinel: redisSentinel(root),
  };
  if (settings.storage.mode === StorageMode.Local && settings.antiAffinity === AntiAffinity.Required) {
    // Every local volume is on one node, and each pod must run where its volume is.
    problems.push({
      key: "scheduling.antiAffinity",
      message: `must be "preferred" with storage.mode "local": every volume is on node "${settings.storage.local?.node}", so "required" (one member per node) would leave every pod but the first of each workload Pending; set scheduling.antiAffinity to "preferred", or use nfs or storageClass storage`,
    });
  }
  problems.push(...secretProblems(secrets, settings));
  root.allow(...Object.values(SecretKey));
  root.reportUnknown();
  if (problems.length > 0)
    throw new ConfigError(
      stack,
      problems.map((p) => ({ ...p, key: p.key === STACK_NAME ? p.key : `${PROJECT}:${p.key}` })),
    );
  return settings;
}
