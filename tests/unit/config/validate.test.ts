import * as assert from "assert";
import { ConfigError } from "../../../components/config/section";

import { SecretState, configValue } from "../../../components/config/secrets";
import { SecretKey, StorageMode } from "../../../components/config/settings";
import { parseStackConfig } from "../../../components/config/validate";
import { TEST_SECRETS } from "../../../harness/stack-files";
import { DEFAULT_CLIENT_ACL } from "../../../components/config/defaults";

type Raw = Record<string, any>;

function baseRaw(): Raw {
  return {
    registry: {
      server: "harbor.example.internal",
      project: "middleware",
      username: "robot$deployer",
      pullUsername: "robot$puller",
    },
    storage: { mode: "nfs", nfs: { server: "nfs.example.internal", path: "/exports/mw" } },
  };
}

function secrets(over: Partial<Record<SecretKey, SecretState>> = {}): Record<SecretKey, SecretState> {
  const s = (v: string): SecretState => ({ value: v, encrypted: true });
  return {
    // Set only during a rotation.
    redisPreviousPassword: { value: undefined, encrypted: undefined },
    ...(Object.fromEntries(Object.entries(TEST_SECRETS).map(([k, v]) => [k, s(v)])) as Record<
      keyof typeof TEST_SECRETS,
      SecretState
    >),
    ...over,
  };
}

function problemsOf(raw: Raw, sec = secrets()): string[] {
  try {
    parseStackConfig("dev", raw, sec);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    return e.problems.map((p) => `${p.key}: ${p.message}`);
  }
  return [];
}

/** One case per message: a change to a valid config and the single problem it must produce. */
const cases: [string, (r: Raw) => void, string][] = [
  [
    "registry pull user missing",
    (r) => delete r.registry.pullUsername,
    "middleware:registry.pullUsername: is required: a Harbor robot account with pull rights only on the project (the pods' imagePullSecret)",
  ],
  [
    "registry pull user = push user",
    (r) => (r.registry.pullUsername = r.registry.username),
    "middleware:registry.pullUsername: must differ from registry.username: the pods' pull secret must not be able to push images; create a pull-only robot account",
  ],
  [
    "client ACL publishing on every channel",
    (r) => (r.redisSentinel = { clientAcl: "~* &* +@all -@dangerous" }),
    'middleware:redisSentinel.clientAcl: "&*" would let clients publish on __sentinel__:hello and steer the sentinels; list the application\'s channels instead, e.g. "&app:*"',
  ],
  [
    "client ACL with a glob reaching the gossip channel",
    (r) => (r.redis = { clientAcl: "~* &__sentinel__:h[a-z]llo +@read" }),
    'middleware:redis.clientAcl: "&__sentinel__:h[a-z]llo" would let clients publish on __sentinel__:hello and steer the sentinels; list the application\'s channels instead, e.g. "&app:*"',
  ],
  [
    "client ACL allchannels",
    (r) => (r.redisCluster = { clientAcl: "allkeys allchannels +@all" }),
    'middleware:redisCluster.clientAcl: "allchannels" would let clients publish on __sentinel__:hello and steer the sentinels; list the application\'s channels instead, e.g. "&app:*"',
  ],
  [
    "client ACL setting a password",
    (r) => (r.redis = { clientAcl: "~* +@all >hunter2" }),
    'middleware:redis.clientAcl: ">hunter2" is not allowed: passwords and the user\'s state are set by the program; give only command, key and channel rules',
  ],
  [
    "client ACL turning the user off",
    (r) => (r.redis = { clientAcl: "off ~* +@all" }),
    'middleware:redis.clientAcl: "off" is not allowed: passwords and the user\'s state are set by the program; give only command, key and channel rules',
  ],
  [
    "client ACL with a selector",
    (r) => (r.redis = { clientAcl: "~* (+get ~x)" }),
    'middleware:redis.clientAcl: "(+get" is not allowed: passwords and the user\'s state are set by the program; give only command, key and channel rules',
  ],
  [
    "client ACL with a word that is no rule",
    (r) => (r.redis = { clientAcl: "~* +@all flushall" }),
    'middleware:redis.clientAcl: "flushall" is not an ACL rule for commands (+get, -@dangerous, +client|setname), keys (~app:*, %R~cache:*) or channels (&events:*)',
  ],
  [
    "namespace not a DNS label",
    (r) => (r.namespace = "Middleware_Dev"),
    'middleware:namespace: must be a DNS label (lower-case letters, digits, -) (got "Middleware_Dev")',
  ],
  [
    "packages day not a date",
    (r) => (r.images = { packagesAsOf: "2026-13-01" }),
    'middleware:images.packagesAsOf: must be a date, YYYY-MM-DD (the day whose Debian packages the images install) (got "2026-13-01")',
  ],
  [
    "registry server missing",
    (r) => delete r.registry.server,
    "middleware:registry.server: is required: the Harbor host, e.g. harbor.example.internal",
  ],
  [
    "registry server malformed",
    (r) => (r.registry.server = "https://harbor"),
    'middleware:registry.server: the Harbor host, e.g. harbor.example.internal (got "https://harbor")',
  ],
  [
    "registry project missing",
    (r) => delete r.registry.project,
    "middleware:registry.project: is required: the Harbor project the images are pushed to",
  ],
  [
    "registry username missing",
    (r) => delete r.registry.username,
    "middleware:registry.username: is required: a Harbor robot account with push rights on the project (used only by the image build)",
  ],
  ["registry not an object", (r) => (r.registry = "harbor"), 'middleware:registry: must be an object (got "harbor")'],
  [
    "storage mode unknown",
    (r) => (r.storage.mode = "ceph"),
    'middleware:storage.mode: must be one of "nfs", "local", "storageClass" (got "ceph")',
  ],
  [
    "nfs server missing",
    (r) => delete r.storage.nfs.server,
    "middleware:storage.nfs.server: is required: the NFS server host name or IP, e.g. nfs.example.internal",
  ],
  [
    "nfs path relative",
    (r) => (r.storage.nfs.path = "exports/mw"),
    'middleware:storage.nfs.path: the absolute exported directory, e.g. /exports/middleware (got "exports/mw")',
  ],
  [
    "nfs version unknown",
    (r) => (r.storage.nfs.version = 5),
    'middleware:storage.nfs.version: must be one of "3", "4", "4.1", "4.2" (got "5")',
  ],
  [
    "local path missing",
    (r) => ((r.storage = { mode: "local", local: { node: "node-1" } }), (r.scheduling = { antiAffinity: "preferred" })),
    "middleware:storage.local.path: is required: an absolute directory on the node, e.g. /var/lib/middleware",
  ],
  [
    "local node missing",
    (r) => ((r.storage = { mode: "local", local: { path: "/srv" } }), (r.scheduling = { antiAffinity: "preferred" })),
    "middleware:storage.local.node: is required: the kubernetes.io/hostname of the node holding the volumes",
  ],
  [
    "storage class missing",
    (r) => (r.storage = { mode: "storageClass" }),
    "middleware:storage.storageClassName: is required: the StorageClass that provisions the volumes",
  ],
  [
    "reclaim policy unknown",
    (r) => (r.storage.reclaimPolicy = "Recycle"),
    'middleware:storage.reclaimPolicy: must be one of "Retain", "Delete" (got "Recycle")',
  ],
  [
    "size malformed",
    (r) => (r.storage.sizes = { redis: "10GB" }),
    'middleware:storage.sizes.redis: must be a storage size like "10Gi" (got "10GB")',
  ],
  [
    "client namespace invalid",
    (r) => (r.network = { clientNamespaces: ["Apps"] }),
    'middleware:network.clientNamespaces: each must be a namespace name (got "Apps")',
  ],
  [
    "client namespaces not a list",
    (r) => (r.network = { clientNamespaces: "apps" }),
    'middleware:network.clientNamespaces: must be a list of strings (got "apps")',
  ],
  [
    "anti-affinity unknown",
    (r) => (r.scheduling = { antiAffinity: "soft" }),
    'middleware:scheduling.antiAffinity: must be one of "required", "preferred" (got "soft")',
  ],
  [
    "health access unknown",
    (r) => (r.health = { access: "ssh" }),
    'middleware:health.access: must be one of "direct", "portForward" (got "ssh")',
  ],
  [
    "health runner namespace invalid",
    (r) => (r.health = { runnerNamespace: "Pulumi Operator" }),
    'middleware:health.runnerNamespace: the namespace pulumi runs in, e.g. pulumi-operator (got "Pulumi Operator")',
  ],
  [
    "health retry too long",
    (r) => (r.health = { retrySeconds: 7200 }),
    "middleware:health.retrySeconds: must be between 0 and 3600 (got 7200)",
  ],
  [
    "metrics on without a namespace to scrape from",
    (r) => (r.metrics = { enabled: true }),
    "middleware:metrics.scrapeNamespace: is required: the namespace Prometheus runs in, e.g. monitoring: only its pods may reach the metrics ports",
  ],
  [
    "metrics scrape namespace invalid",
    (r) => (r.metrics = { enabled: true, scrapeNamespace: "Monitoring" }),
    'middleware:metrics.scrapeNamespace: the namespace Prometheus runs in, e.g. monitoring: only its pods may reach the metrics ports (got "Monitoring")',
  ],
  [
    "Prometheus Operator objects without metrics",
    (r) => (r.metrics = { prometheusOperator: true }),
    "middleware:metrics.prometheusOperator: declares PodMonitors for metrics that are off; set metrics.enabled to true too",
  ],
  [
    "a Prometheus of the stack's own without metrics",
    (r) => (r.metrics = { prometheus: { enabled: true } }),
    "middleware:metrics.prometheus.enabled: runs a Prometheus for metrics that are off; set metrics.enabled to true too",
  ],
  [
    "Prometheus interval without a unit",
    (r) =>
      (r.metrics = { enabled: true, scrapeNamespace: "monitoring", prometheus: { enabled: true, interval: "15" } }),
    'middleware:metrics.prometheus.interval: must be a duration in seconds or minutes like "30s" or "1m" (got "15")',
  ],
  [
    "Prometheus interval shorter than a server's time to answer",
    (r) =>
      (r.metrics = { enabled: true, scrapeNamespace: "monitoring", prometheus: { enabled: true, interval: "2s" } }),
    'middleware:metrics.prometheus.interval: must be at least 5s: a scrape needs longer than the 3 s a server has to answer (got "2s")',
  ],
  [
    "Prometheus retention in an unknown unit",
    (r) => (r.metrics = { enabled: true, scrapeNamespace: "monitoring", prometheus: { retention: "2y" } }),
    'middleware:metrics.prometheus.retention: must be a duration in hours, days or weeks like "2d" (got "2y")',
  ],
  [
    "metrics switch not a boolean",
    (r) => (r.metrics = { enabled: "yes", scrapeNamespace: "monitoring" }),
    'middleware:metrics.enabled: must be true or false (got "yes")',
  ],
  [
    "tls renewal not before expiry",
    (r) => (r.tls = { validityDays: 30, renewBeforeDays: 30 }),
    "middleware:tls.renewBeforeDays: must be less than validityDays (30), or every up would issue anew (got 30)",
  ],
  [
    "tls assertion threshold past renewal",
    (r) => (r.tls = { renewBeforeDays: 10, minValidDays: 14 }),
    "middleware:tls.minValidDays: must be less than renewBeforeDays (10): a certificate is renewed before the assertion would fail on it (got 14)",
  ],
  [
    "tls authority shorter than its certificates",
    (r) => (r.tls = { validityDays: 400, authorityValidityDays: 365 }),
    "middleware:tls.authorityValidityDays: must be at least validityDays (400): no certificate may outlive the authority that signed it (got 365)",
  ],
  [
    "tls plaintext not a boolean",
    (r) => (r.tls = { plaintextPorts: "no" }),
    'middleware:tls.plaintextPorts: must be true or false (got "no")',
  ],
  [
    "zookeeper even",
    (r) => (r.zookeeper = { replicas: 4 }),
    "middleware:zookeeper.replicas: must be odd and >= 3 so a majority survives one loss (got 4)",
  ],
  [
    "zookeeper one",
    (r) => (r.zookeeper = { replicas: 1 }),
    "middleware:zookeeper.replicas: must be odd and >= 3 so a majority survives one loss (got 1)",
  ],
  [
    "zookeeper too many",
    (r) => (r.zookeeper = { replicas: 11 }),
    "middleware:zookeeper.replicas: must be between 1 and 9 (got 11)",
  ],
  [
    "zookeeper replicas not a number",
    (r) => (r.zookeeper = { replicas: "three" }),
    'middleware:zookeeper.replicas: must be a whole number (got "three")',
  ],
  [
    "zookeeper heap malformed",
    (r) => (r.zookeeper = { heap: "512MB" }),
    'middleware:zookeeper.heap: must be a JVM heap size like "512m" (got "512MB")',
  ],
  [
    "zookeeper heap above limit",
    (r) => (r.zookeeper = { heap: "1g" }),
    'middleware:zookeeper.heap: must be at most 75% of resources.limits.memory (1Gi) to leave room for the JVM itself (got "1g")',
  ],
  [
    "zookeeper syncLimit above initLimit",
    (r) => (r.zookeeper = { initLimit: 5, syncLimit: 6 }),
    "middleware:zookeeper.syncLimit: must not exceed initLimit (5) (got 6)",
  ],
  [
    "zookeeper tickTime too small",
    (r) => (r.zookeeper = { tickTime: 10 }),
    "middleware:zookeeper.tickTime: must be between 100 and 60000 (got 10)",
  ],
  [
    "cpu malformed",
    (r) => (r.redis = { resources: { limits: { cpu: "2 cores" } } }),
    'middleware:redis.resources.limits.cpu: must be a CPU quantity like "250m" or "1" (got "2 cores")',
  ],
  [
    "memory malformed",
    (r) => (r.redis = { resources: { limits: { memory: "1 GB" } } }),
    'middleware:redis.resources.limits.memory: must be a memory quantity like "512Mi" (got "1 GB")',
  ],
  [
    "requests above limits",
    (r) => (r.redis = { resources: { requests: { memory: "1Gi" }, limits: { memory: "768Mi" } }, maxmemory: "256mb" }),
    "middleware:redis.resources.requests.memory: must not exceed limits.memory (1Gi > 768Mi)",
  ],
  [
    "appendfsync unknown",
    (r) => (r.redis = { appendfsync: "sometimes" }),
    'middleware:redis.appendfsync: must be one of "always", "everysec", "no" (got "sometimes")',
  ],
  [
    "maxmemory malformed",
    (r) => (r.redis = { maxmemory: "256 MB" }),
    'middleware:redis.maxmemory: must be a Redis size with its unit, like "256mb" (got "256 MB")',
  ],
  [
    "maxmemory above limit",
    (r) => (r.redis = { maxmemory: "500mb" }),
    'middleware:redis.maxmemory: must be at most 80% of resources.limits.memory (512Mi) so Redis is not OOM-killed (got "500mb")',
  ],
  [
    "enabled not a boolean",
    (r) => (r.redis = { enabled: "yes" }),
    'middleware:redis.enabled: must be true or false (got "yes")',
  ],
  [
    "cluster two masters",
    (r) => (r.redisCluster = { masters: 2 }),
    "middleware:redisCluster.masters: must be >= 3: Redis Cluster needs a majority of masters to fail over (got 2)",
  ],
  [
    "cluster replicas negative",
    (r) => (r.redisCluster = { replicasPerMaster: -1 }),
    "middleware:redisCluster.replicasPerMaster: must be between 0 and 5 (got -1)",
  ],
  [
    "sentinels even",
    (r) => (r.redisSentinel = { sentinels: 4, quorum: 3 }),
    "middleware:redisSentinel.sentinels: must be odd and >= 3 so a majority can authorise a failover (got 4)",
  ],
  [
    "quorum above sentinels",
    (r) => (r.redisSentinel = { sentinels: 3, quorum: 4 }),
    "middleware:redisSentinel.quorum: must be more than half of sentinels and at most sentinels, i.e. between 2 and 3 (got 4)",
  ],
  [
    "quorum at half",
    (r) => (r.redisSentinel = { sentinels: 5, quorum: 2 }),
    "middleware:redisSentinel.quorum: must be more than half of sentinels and at most sentinels, i.e. between 3 and 5 (got 2)",
  ],
  [
    "failover timeout below down-after",
    (r) => (r.redisSentinel = { downAfterMs: 10000, failoverTimeoutMs: 5000 }),
    "middleware:redisSentinel.failoverTimeoutMs: must be greater than downAfterMs (10000) (got 5000)",
  ],
  [
    "master name invalid",
    (r) => (r.redisSentinel = { masterName: "my master" }),
    'middleware:redisSentinel.masterName: must be letters, digits, _ or - (got "my master")',
  ],
  // Keys nothing reads would deploy the default silently (#11: `redisCluster.master: 5` deployed 3 masters).
  [
    "unknown key in a workload",
    (r) => (r.redisCluster = { master: 5 }),
    "middleware:redisCluster.master: is not a setting of this program (typo?); known keys of redisCluster: masters, resources, enabled, replicasPerMaster, nodeTimeoutMs, maxmemory, clientAcl, clientScripting",
  ],
  [
    "unknown key in Sentinel",
    (r) => (r.redisSentinel = { quroum: 2 }),
    "middleware:redisSentinel.quroum: is not a setting of this program (typo?); known keys of redisSentinel: sentinels, quorum, downAfterMs, failoverTimeoutMs, resources, enabled, masterName, dataReplicas, maxmemory, clientAcl, clientScripting, sentinel",
  ],
  [
    "unknown key in ZooKeeper",
    (r) => (r.zookeeper = { replica: 5 }),
    "middleware:zookeeper.replica: is not a setting of this program (typo?); known keys of zookeeper: replicas, resources, heap, tickTime, initLimit, syncLimit, resizeFrom, enabled",
  ],
  [
    "zookeeper resizeFrom even",
    (r) => (r.zookeeper = { resizeFrom: 4 }),
    "middleware:zookeeper.resizeFrom: is the member count the ensemble had, which is always odd (got 4)",
  ],
  [
    "unknown key in resources",
    (r) => (r.redis = { resources: { limit: { memory: "1Gi" } } }),
    "middleware:redis.resources.limit: is not a setting of this program (typo?); known keys of redis.resources: requests, limits",
  ],
  [
    "maxmemory without a unit",
    (r) => (r.redis = { maxmemory: "268435456" }),
    'middleware:redis.maxmemory: must be a Redis size with its unit, like "256mb" (got "268435456")',
  ],
  [
    "maxmemory zero",
    (r) => (r.redis = { maxmemory: "0mb" }),
    'middleware:redis.maxmemory: must be at least 1mb; Redis reads 0 as no limit at all (got "0mb")',
  ],
  [
    "zookeeper heap zero",
    (r) => (r.zookeeper = { heap: "0m" }),
    'middleware:zookeeper.heap: must be at least 64m for ZooKeeper to start and hold a useful data tree (got "0m")',
  ],
  [
    "zookeeper heap tiny",
    (r) => (r.zookeeper = { heap: "1k" }),
    'middleware:zookeeper.heap: must be at least 64m for ZooKeeper to start and hold a useful data tree (got "1k")',
  ],
  [
    "volume size zero",
    (r) => (r.storage.sizes = { zookeeper: "0" }),
    'middleware:storage.sizes.zookeeper: must be between 64Mi and 64Ti per pod (got "0"; a bare number is bytes)',
  ],
  [
    "volume size one byte",
    (r) => (r.storage.sizes = { redis: "1" }),
    'middleware:storage.sizes.redis: must be between 64Mi and 64Ti per pod (got "1"; a bare number is bytes)',
  ],
  [
    "volume size absurd",
    (r) => (r.storage.sizes = { redisCluster: "5Ei" }),
    'middleware:storage.sizes.redisCluster: must be between 64Mi and 64Ti per pod (got "5Ei"; a bare number is bytes)',
  ],
  [
    "nfs path with ..",
    (r) => (r.storage.nfs.path = "/exports/../etc"),
    'middleware:storage.nfs.path: must not contain "//", "." or ".." segments: the volumes of every pod are directories below it (got "/exports/../etc")',
  ],
  [
    "nfs path /",
    (r) => (r.storage.nfs.path = "/"),
    'middleware:storage.nfs.path: must be a directory below /, not / itself (got "/")',
  ],
  [
    "nfs path //",
    (r) => (r.storage.nfs.path = "//"),
    'middleware:storage.nfs.path: must be a directory below /, not / itself (got "//")',
  ],
  [
    "local storage with required anti-affinity",
    (r) => (r.storage = { mode: "local", local: { path: "/srv/mw", node: "node-1" } }),
    'middleware:scheduling.antiAffinity: must be "preferred" with storage.mode "local": every volume is on node "node-1", so "required" (one member per node) would leave every pod but the first of each workload Pending; set scheduling.antiAffinity to "preferred", or use nfs or storageClass storage',
  ],
  [
    "local path with //",
    (r) => (
      (r.storage = { mode: "local", local: { path: "/srv//mw", node: "node-1" } }),
      (r.scheduling = { antiAffinity: "preferred" })
    ),
    'middleware:storage.local.path: must not contain "//", "." or ".." segments: the volumes of every pod are directories below it (got "/srv//mw")',
  ],
  [
    "cpu requests above limits",
    (r) => (r.redis = { resources: { requests: { cpu: "2" }, limits: { cpu: "500m" } } }),
    "middleware:redis.resources.requests.cpu: must not exceed limits.cpu (2 > 500m)",
  ],
  [
    "namespace kube-system",
    (r) => (r.namespace = "kube-system"),
    'middleware:namespace: "kube-system" belongs to Kubernetes itself (its NetworkPolicies and Pod Security labels would be replaced); use one of its own, e.g. middleware-dev',
  ],
  [
    "namespace default",
    (r) => (r.namespace = "default"),
    'middleware:namespace: "default" belongs to Kubernetes itself (its NetworkPolicies and Pod Security labels would be replaced); use one of its own, e.g. middleware-dev',
  ],
  [
    "registry username with a newline",
    (r) => (r.registry.username = "robot$a\nx"),
    "middleware:registry.username: must not contain whitespace, quotes, backslashes or ':' (it becomes user:password in the pull secret) (got \"robot$a\\nx\")",
  ],
  [
    "registry pull user with a colon",
    (r) => (r.registry.pullUsername = "robot:puller"),
    "middleware:registry.pullUsername: must not contain whitespace, quotes, backslashes or ':' (it becomes user:password in the pull secret) (got \"robot:puller\")",
  ],
  [
    "registry pull user with a quote",
    (r) => (r.registry.pullUsername = 'robot"p'),
    'middleware:registry.pullUsername: must not contain whitespace, quotes, backslashes or \':\' (it becomes user:password in the pull secret) (got "robot\\"p")',
  ],
  [
    "registry port out of range",
    (r) => (r.registry.server = "harbor.example.internal:70000"),
    "middleware:registry.server: has port 70000, outside 1-65535",
  ],
  [
    "cluster domain malformed",
    (r) => (r.clusterDomain = "Cluster_Local"),
    "middleware:clusterDomain: must be the cluster's DNS domain, e.g. cluster.local (the kubelets' clusterDomain) (got \"Cluster_Local\")",
  ],
  [
    "unknown key",
    (r) => (r.zookeper = { replicas: 3 }),
    "middleware:zookeper: is not a setting of this program (typo?); known keys: namespace, clusterDomain, registry, images, storage, network, scheduling, health, tls, metrics, zookeeper, redis, redisCluster, redisSentinel, registryPassword, registryPullPassword, redisPassword, redisAdminPassword, redisPreviousPassword, zookeeperPassword, zookeeperAdminPassword, internalSecret",
  ],
];

describe("stack config validation", () => {
  it("accepts a minimal config and fills the documented defaults", () => {
    const s = parseStackConfig("dev", baseRaw(), secrets());
    assert.strictEqual(s.namespace, "middleware-dev");
    assert.strictEqual(s.storage.mode, StorageMode.Nfs);
    assert.deepStrictEqual(s.storage.nfs, { server: "nfs.example.internal", path: "/exports/mw", version: "4.1" });
    assert.strictEqual(s.storage.reclaimPolicy, "Retain");
    assert.strictEqual(s.zookeeper.replicas, 3);
    assert.strictEqual(s.redisCluster.masters, 3);
    assert.strictEqual(s.redisCluster.replicasPerMaster, 1);
    assert.strictEqual(s.redisSentinel.quorum, 2);
    assert.strictEqual(s.antiAffinity, "required");
    assert.strictEqual(s.redis.clientAcl, DEFAULT_CLIENT_ACL);
    for (const w of [s.redis, s.redisCluster, s.redisSentinel]) assert.strictEqual(w.clientScripting, false);
  });

  it("turns client scripting on per workload, and only with a boolean", () => {
    const s = parseStackConfig("dev", { ...baseRaw(), redisCluster: { clientScripting: true } }, secrets());
    assert.deepStrictEqual(
      [s.redis.clientScripting, s.redisCluster.clientScripting, s.redisSentinel.clientScripting],
      [false, true, false],
    );
    assert.deepStrictEqual(problemsOf({ ...baseRaw(), redis: { clientScripting: "on" } }), [
      'middleware:redis.clientScripting: must be true or false (got "on")',
    ]);
  });

  it("mounts NFS with the version the stack names, written as a YAML number or a string", () => {
    for (const version of [3, "3", 4.2, "4"]) {
      const raw = baseRaw();
      raw.storage.nfs.version = version;
      assert.strictEqual(parseStackConfig("dev", raw, secrets()).storage.nfs?.version, String(version));
    }
  });

  it("accepts client ACL rules that narrow keys, commands and channels", () => {
    const raw = {
      ...baseRaw(),
      redisSentinel: {
        clientAcl: "%R~cache:* ~app:* &app:events:* &__keyspace@0__:* +@read +@write -@dangerous +client|setname",
      },
    };
    assert.strictEqual(parseStackConfig("dev", raw, secrets()).redisSentinel.clientAcl, raw.redisSentinel.clientAcl);
  });

  for (const [name, change, expected] of cases) {
    it(`rejects ${name} with one message naming the key and the fix`, () => {
      const raw = baseRaw();
      change(raw);
      assert.deepStrictEqual(problemsOf(raw), [expected]);
    });
  }

  it("accepts a StorageClass name with dots, and another storage mode's keys left in the file", () => {
    const raw = {
      ...baseRaw(),
      storage: {
        mode: "storageClass",
        storageClassName: "fast.ssd.example.com",
        nfs: { server: "nfs.example.internal", path: "/exports/mw" },
      },
    };
    assert.strictEqual(parseStackConfig("dev", raw, secrets()).storage.storageClassName, "fast.ssd.example.com");
  });

  it("refuses a stack name that cannot be a label value, naming it", () => {
    const long = "x".repeat(64);
    let e: unknown;
    try {
      parseStackConfig(long, { ...baseRaw(), namespace: "mw" }, secrets());
    } catch (err) {
      e = err;
    }
    assert.ok(e instanceof ConfigError);
    assert.deepStrictEqual(
      e.problems.map((p) => p.key),
      ["(stack name)"],
    );
    assert.match(e.message, /cannot be a Kubernetes label value \(middleware\/stack\): at most 63/);
    assert.doesNotThrow(() => parseStackConfig("x".repeat(63), { ...baseRaw(), namespace: "mw" }, secrets()));
  });

  it("takes a password that starts like JSON as the password", () => {
    assert.strictEqual(configValue("redisPassword", "{not-json-at-all"), "{not-json-at-all");
    assert.strictEqual(configValue("internalSecret", '["a"]'), '["a"]');
    assert.deepStrictEqual(configValue("zookeeper", '{"replicas":5}'), { replicas: 5 });
    assert.throws(() => configValue("zookeeper", "{broken"), /middleware:zookeeper is not valid structured config/);
  });

  it("accepts numbers and booleans given as strings, as `pulumi config set` stores them", () => {
    const raw = { ...baseRaw(), zookeeper: { replicas: "5", enabled: "false" } };
    const s = parseStackConfig("dev", raw, secrets());
    assert.strictEqual(s.zookeeper.replicas, 5);
    assert.strictEqual(s.zookeeper.enabled, false);
  });

  it("lists every problem at once, not only the first", () => {
    const raw = baseRaw();
    raw.zookeeper = { replicas: 4 };
    raw.redisCluster = { masters: 2 };
    delete raw.storage.nfs.server;
    const problems = problemsOf(raw);
    assert.strictEqual(problems.length, 3);
    assert.ok(problems.some((p) => p.startsWith("middleware:zookeeper.replicas")));
    assert.ok(problems.some((p) => p.startsWith("middleware:redisCluster.masters")));
    assert.ok(problems.some((p) => p.startsWith("middleware:storage.nfs.server")));
  });

  it("renders the error as one readable block naming the stack", () => {
    const raw = baseRaw();
    raw.zookeeper = { replicas: 4 };
    assert.throws(
      () => parseStackConfig("dev", raw, secrets()),
      (e: Error) => {
        assert.strictEqual(
          e.message,
          'Invalid stack configuration for stack "dev" (1 problem):\n  - middleware:zookeeper.replicas: must be odd and >= 3 so a majority survives one loss (got 4)',
        );
        return true;
      },
    );
  });

  describe("secrets", () => {
    it("requires each password, telling how to set it as a secret", () => {
      assert.deepStrictEqual(
        problemsOf(baseRaw(), secrets({ redisPassword: { value: undefined, encrypted: undefined } })),
        ["middleware:redisPassword: is required: run `pulumi config set --secret redisPassword <value>`"],
      );
      assert.deepStrictEqual(
        problemsOf(baseRaw(), secrets({ registryPassword: { value: "", encrypted: undefined } })),
        ["middleware:registryPassword: is required: run `pulumi config set --secret registryPassword <value>`"],
      );
    });

    it("rejects a password stored in plaintext without echoing it", () => {
      const problems = problemsOf(
        baseRaw(),
        secrets({ redisAdminPassword: { value: "plaintext-admin-pass", encrypted: false } }),
      );
      assert.deepStrictEqual(problems, [
        "middleware:redisAdminPassword: is stored in plaintext: run `pulumi config set --secret redisAdminPassword <value>`",
      ]);
      assert.ok(!problems.join().includes("plaintext-admin-pass"));
    });

    it("rejects a short or unquotable Redis password without echoing it", () => {
      for (const bad of ["short", 'has"quote-in-it', "has space in it!"]) {
        const problems = problemsOf(baseRaw(), secrets({ redisPassword: { value: bad, encrypted: true } }));
        assert.deepStrictEqual(problems, [
          "middleware:redisPassword: must be at least 12 characters with no whitespace, quotes or backslashes: run `pulumi config set --secret redisPassword <value>`",
        ]);
        assert.ok(!problems.join().includes(bad));
      }
    });

    it("rejects an admin password equal to the client password", () => {
      const same = { value: TEST_SECRETS.redisPassword, encrypted: true };
      assert.deepStrictEqual(problemsOf(baseRaw(), secrets({ redisAdminPassword: same })), [
        "middleware:redisAdminPassword: must differ from redisPassword, or every client could run admin commands",
      ]);
    });

    describe("redisPreviousPassword (a client password rotation in progress)", () => {
      const previous = (value: string, encrypted = true) => secrets({ redisPreviousPassword: { value, encrypted } });
      it("is optional, and taken when it is a fit password stored as a secret", () => {
        assert.deepStrictEqual(problemsOf(baseRaw(), previous("the-old-client-password")), []);
      });
      it("refuses the current client password, the admin password, a weak one and plaintext, never echoing them", () => {
        const fix = "run `pulumi config set --secret redisPreviousPassword <value>`";
        // [the previous password given, the one problem expected]
        const cases: [string, string][] = [
          [
            TEST_SECRETS.redisPassword,
            "middleware:redisPreviousPassword: equals redisPassword, so nothing is rotated: set redisPassword to the new password and keep the old one here until every client uses the new one",
          ],
          [
            TEST_SECRETS.redisAdminPassword,
            "middleware:redisPreviousPassword: must differ from redisAdminPassword, or clients could log in with the admin password",
          ],
          [
            "short",
            `middleware:redisPreviousPassword: must be at least 12 characters with no whitespace, quotes or backslashes: ${fix}`,
          ],
        ];
        for (const [value, message] of cases) {
          const problems = problemsOf(baseRaw(), previous(value));
          assert.deepStrictEqual(problems, [message]);
          assert.ok(!problems.join().includes(value));
        }
        assert.deepStrictEqual(problemsOf(baseRaw(), previous("the-old-client-password", false)), [
          `middleware:redisPreviousPassword: is stored in plaintext: ${fix}`,
        ]);
      });
      it("is ignored when no Redis workload is enabled", () => {
        const raw = {
          ...baseRaw(),
          redis: { enabled: false },
          redisCluster: { enabled: false },
          redisSentinel: { enabled: false },
        };
        assert.deepStrictEqual(problemsOf(raw, previous("short")), []);
      });
    });

    it("needs no Redis passwords when every Redis workload is disabled", () => {
      const raw = {
        ...baseRaw(),
        redis: { enabled: false },
        redisCluster: { enabled: false },
        redisSentinel: { enabled: false },
      };
      const none = { value: undefined, encrypted: undefined };
      assert.deepStrictEqual(problemsOf(raw, secrets({ redisPassword: none, redisAdminPassword: none })), []);
    });

    for (const held of ["redisAdminPassword", "zookeeperPassword"] as const) {
      it(`rejects an internal secret equal to ${held}, a password people hold`, () => {
        const same = { value: TEST_SECRETS[held], encrypted: true };
        assert.deepStrictEqual(problemsOf(baseRaw(), secrets({ internalSecret: same })), [
          "middleware:internalSecret: must differ from redisPassword, redisAdminPassword, redisPreviousPassword, zookeeperPassword, zookeeperAdminPassword: " +
            "whoever holds it can derive the replication, Sentinel and ZooKeeper quorum passwords",
        ]);
      });
    }

    it("rejects a ZooKeeper admin password equal to the client password", () => {
      const same = { value: TEST_SECRETS.zookeeperPassword, encrypted: true };
      assert.deepStrictEqual(problemsOf(baseRaw(), secrets({ zookeeperAdminPassword: same })), [
        "middleware:zookeeperAdminPassword: must differ from zookeeperPassword, or every client could act as super and bypass every ACL",
      ]);
    });

    it("requires both ZooKeeper passwords while ZooKeeper is enabled, and neither when it is not", () => {
      const none = { value: undefined, encrypted: undefined };
      const missing = secrets({ zookeeperPassword: none, zookeeperAdminPassword: none });
      assert.deepStrictEqual(problemsOf(baseRaw(), missing), [
        "middleware:zookeeperPassword: is required: run `pulumi config set --secret zookeeperPassword <value>`",
        "middleware:zookeeperAdminPassword: is required: run `pulumi config set --secret zookeeperAdminPassword <value>`",
      ]);
      assert.deepStrictEqual(problemsOf({ ...baseRaw(), zookeeper: { enabled: false } }, missing), []);
    });

    it("still requires the internal secret for ZooKeeper alone (its quorum password derives from it)", () => {
      const raw = {
        ...baseRaw(),
        redis: { enabled: false },
        redisCluster: { enabled: false },
        redisSentinel: { enabled: false },
      };
      assert.deepStrictEqual(problemsOf(raw, secrets({ internalSecret: { value: undefined, encrypted: undefined } })), [
        "middleware:internalSecret: is required: run `pulumi config set --secret internalSecret <value>`",
      ]);
    });

    it("requires the pull-only registry password", () => {
      assert.deepStrictEqual(
        problemsOf(baseRaw(), secrets({ registryPullPassword: { value: undefined, encrypted: undefined } })),
        ["middleware:registryPullPassword: is required: run `pulumi config set --secret registryPullPassword <value>`"],
      );
    });
  });
});
