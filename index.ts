// Wiring only: validated config -> components -> stack outputs. Validation throws before any
// resource is registered, so a bad stack file never half-deploys.
import {
  AntiAffinity,
  HarborImage,
  healthWiring,
  MiddlewareNamespace,
  MonitoringCrdsCheck,
  NodeCapacityCheck,
  OPERATOR_RESOURCES,
  PlatformArgs,
  RedisCluster,
  RedisSentinel,
  RedisStandalone,
  RegistryPullSecret,
  StorageRootCheck,
  WORKLOAD_NAME,
  ZooKeeperEnsemble,
  accessOf,
  kubeContextOf,
  loadStackConfig,
  podsToSpread,
  prometheusPodSelector,
  PrometheusServer,
  prometheusRule,
  serviceZone,
  storageRoot,
} from "./components";

const { settings: s, secrets } = loadStackConfig();
const anyRedis = s.redis.enabled || s.redisCluster.enabled || s.redisSentinel.enabled;
// The Prometheus Operator's objects, for the workloads that serve metrics.
const operatorObjects = s.metrics.enabled && s.metrics.prometheusOperator && (anyRedis || s.zookeeper.enabled);

// Asked of the live cluster at preview, before anything is deployed: too few schedulable nodes for
// "required" (else pods wait Pending for 10 minutes), a storage root another stack uses, and the
// Prometheus Operator's kinds missing where the stack declares them.
const root = storageRoot(s.storage);
const preflight = [
  ...(s.antiAffinity === AntiAffinity.Required
    ? [new NodeCapacityCheck("node-capacity", { pods: podsToSpread(s), access: accessOf(s) })]
    : []),
  ...(root ? [new StorageRootCheck("storage-root", { namespace: s.namespace, root, access: accessOf(s) })] : []),
  ...(operatorObjects
    ? [new MonitoringCrdsCheck("monitoring-crds", { resources: [...OPERATOR_RESOURCES], access: accessOf(s) })]
    : []),
];
const namespace = new MiddlewareNamespace("namespace", { namespace: s.namespace });
if (operatorObjects)
  prometheusRule({ namespace: namespace.name, stack: s.stack, certificateDays: s.tls }, { dependsOn: preflight });
// Two robot accounts: the build pushes with one; the pods pull with the other, which cannot push.
const registry = { ...s.registry, password: secrets.registryPassword };
const pullRegistry = { ...s.registry, username: s.registry.pullUsername, password: secrets.registryPullPassword };
const pullSecret = new RegistryPullSecret("harbor-pull", { namespace: namespace.name, registry: pullRegistry });
const image = (dir: string) =>
  new HarborImage(dir, {
    registry,
    imageDir: dir,
    baseImage: s.images.baseImage,
    packagesAsOf: s.images.packagesAsOf,
  });
const zookeeperImage = s.zookeeper.enabled ? image("zookeeper") : undefined;
const prometheusImage = s.metrics.prometheus.enabled ? image("prometheus") : undefined;
const redisImage = anyRedis ? image("redis") : undefined;

const platform: PlatformArgs = {
  namespace: namespace.name,
  namespaceName: s.namespace,
  zone: serviceZone(s.namespace, s.clusterDomain),
  stack: s.stack,
  storage: s.storage,
  antiAffinity: s.antiAffinity,
  clientNamespaces: s.clientNamespaces,
  runnerNamespace: s.health.enabled ? s.health.runnerNamespace : undefined,
  pullSecretName: pullSecret.secretName,
  health: healthWiring(s.health, s.namespace),
  kube: kubeContextOf(accessOf(s)),
  gates: preflight,
  metrics: s.metrics.enabled
    ? {
        scrapeNamespace: s.metrics.scrapeNamespace,
        prometheusOperator: s.metrics.prometheusOperator,
        prometheusPods: s.metrics.prometheus.enabled ? prometheusPodSelector() : undefined,
      }
    : undefined,
};
const redisAuth = {
  credentials: {
    password: secrets.redisPassword,
    adminPassword: secrets.redisAdminPassword,
    internalSecret: secrets.internalSecret,
    previousPassword: secrets.redisPreviousPassword,
  },
};
const sizes = s.storage.sizes;

const zookeeper =
  zookeeperImage &&
  new ZooKeeperEnsemble(WORKLOAD_NAME.zookeeper, {
    platform,
    settings: s.zookeeper,
    image: zookeeperImage.ref,
    storageSize: sizes.zookeeper,
    credentials: {
      password: secrets.zookeeperPassword,
      adminPassword: secrets.zookeeperAdminPassword,
      internalSecret: secrets.internalSecret,
    },
    tls: s.tls,
  });
const redis =
  redisImage &&
  s.redis.enabled &&
  new RedisStandalone(WORKLOAD_NAME.redis, {
    platform,
    settings: s.redis,
    image: redisImage.ref,
    storageSize: sizes.redis,
    ...redisAuth,
    tls: s.tls,
  });
const redisCluster =
  redisImage &&
  s.redisCluster.enabled &&
  new RedisCluster(WORKLOAD_NAME.redisCluster, {
    platform,
    settings: s.redisCluster,
    image: redisImage.ref,
    storageSize: sizes.redisCluster,
    ...redisAuth,
    tls: s.tls,
  });
const redisSentinel =
  redisImage &&
  s.redisSentinel.enabled &&
  new RedisSentinel(WORKLOAD_NAME.redisSentinel, {
    platform,
    settings: s.redisSentinel,
    image: redisImage.ref,
    storageSize: sizes.redisSentinel,
    ...redisAuth,
    tls: s.tls,
  });

const scraped = [
  zookeeper && zookeeper.workload,
  redis && redis.workload,
  redisCluster && redisCluster.workload,
  redisSentinel && redisSentinel.data,
  redisSentinel && redisSentinel.sentinels,
].flatMap((w) => (w ? [w] : []));
const prometheus =
  prometheusImage &&
  new PrometheusServer("prometheus", {
    namespace: namespace.name,
    namespaceName: s.namespace,
    stack: s.stack,
    settings: s.metrics.prometheus,
    image: prometheusImage.ref,
    pullSecretName: pullSecret.secretName,
    scrapeNamespace: s.metrics.scrapeNamespace,
    targets: scraped.flatMap((w) => w.metricsTargets),
    tlsTargets: scraped.flatMap((w) => w.tlsTargets),
    certificateDays: s.tls,
  });

export const namespaceName = namespace.name;
export const images = { zookeeper: zookeeperImage?.ref, redis: redisImage?.ref, prometheus: prometheusImage?.ref };
/** The stack's own Prometheus (metrics.prometheus): its Service, port 9090. */
export const prometheusService = prometheus ? prometheus.serviceName : undefined;
export const zookeeperConnectString = zookeeper ? zookeeper.connectString : undefined;
/** The Secret applications mount to reach ZooKeeper over TLS (ca.crt, tls.crt, tls.key). */
export const zookeeperClientTlsSecret = zookeeper ? zookeeper.clientTlsSecretName : undefined;
export const redisEndpoint = redis ? redis.endpoint : undefined;
/** The Secret applications mount to reach Redis over TLS (ca.crt, tls.crt, tls.key). */
export const redisClientTlsSecret = redis ? redis.clientTlsSecretName : undefined;
export const redisClusterNodes = redisCluster ? redisCluster.nodes : undefined;
/** The Secret applications mount to reach the Redis Cluster over TLS (ca.crt, tls.crt, tls.key). */
export const redisClusterClientTlsSecret = redisCluster ? redisCluster.clientTlsSecretName : undefined;
export const redisSentinelEndpoints = redisSentinel ? redisSentinel.sentinelEndpoints : undefined;
export const redisSentinelMasterName = redisSentinel ? redisSentinel.masterName : undefined;
/** The Secret applications mount to reach the sentinels and their data pods over TLS. */
export const redisSentinelClientTlsSecret = redisSentinel ? redisSentinel.clientTlsSecretName : undefined;
/** The Service that follows the Sentinel master, for clients that do not speak Sentinel. */
export const redisSentinelMasterEndpoint = redisSentinel ? redisSentinel.masterEndpoint : undefined;

// Health reports of the post-deploy assertions: what was verified, never a secret.
export const health = {
  zookeeper: zookeeper ? zookeeper.health?.report : undefined,
  redis: redis ? redis.health?.report : undefined,
  redisCluster: redisCluster ? redisCluster.health?.report : undefined,
  redisSentinel: redisSentinel ? redisSentinel.health?.report : undefined,
};
