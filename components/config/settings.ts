// The typed shape of one stack's settings: closed sets as `as const` objects with a same-named
// type, so they read the same in YAML config, code and policies. Validation is in validate.ts.

/** The Pulumi project, and so the namespace of every config key (middleware:zookeeper). */
export const PROJECT = "middleware";

export const StorageMode = { Nfs: "nfs", Local: "local", StorageClass: "storageClass" } as const;
/** The NFS versions a volume may be mounted with (`nfsvers=`). */
export const NfsVersion = { V3: "3", V4: "4", V4_1: "4.1", V4_2: "4.2" } as const;
export type NfsVersion = (typeof NfsVersion)[keyof typeof NfsVersion];
export type StorageMode = (typeof StorageMode)[keyof typeof StorageMode];

export const ReclaimPolicy = { Retain: "Retain", Delete: "Delete" } as const;
export type ReclaimPolicy = (typeof ReclaimPolicy)[keyof typeof ReclaimPolicy];

export const AppendFsync = { Always: "always", EverySec: "everysec", No: "no" } as const;
export type AppendFsync = (typeof AppendFsync)[keyof typeof AppendFsync];

export const AntiAffinity = { Required: "required", Preferred: "preferred" } as const;
export type AntiAffinity = (typeof AntiAffinity)[keyof typeof AntiAffinity];

export const HealthAccess = { Direct: "direct", PortForward: "portForward" } as const;
export type HealthAccess = (typeof HealthAccess)[keyof typeof HealthAccess];

export interface HealthSettings {
  /** Whether the cluster-init and health-assertion resources are registered at all. */
  readonly enabled: boolean;
  /** "direct" when Pulumi runs where pod DNS names resolve; "portForward" from a laptop or CI runner. */
  readonly access: HealthAccess;
  /** kubectl context for portForward access; the current context when unset. */
  readonly kubeContext?: string;
  /**
   * The namespace pulumi runs in when it runs inside the cluster (e.g. the Pulumi Kubernetes
   * Operator's): its pods may reach every workload's client ports, so direct access gets through
   * the NetworkPolicies. Defaults to none.
   */
  readonly runnerNamespace?: string;
  /** How long a failing assertion is retried before the deployment fails. */
  readonly retrySeconds: number;
}

/** The workloads, by the config section each is set in (middleware:redisCluster). */
export const Workload = {
  ZooKeeper: "zookeeper",
  Redis: "redis",
  RedisCluster: "redisCluster",
  RedisSentinel: "redisSentinel",
} as const;
export type Workload = (typeof Workload)[keyof typeof Workload];

/** The name each workload's component and StatefulSet take; its pods' DNS names derive from it. */
export const WORKLOAD_NAME: Readonly<Record<Workload, string>> = {
  zookeeper: "zookeeper",
  redis: "redis",
  redisCluster: "redis-cluster",
  redisSentinel: "redis-sentinel",
};

/** The secret config keys; their values never enter StackSettings (see read.ts). */
export const SecretKey = {
  /** Push credential of registry.username; used only by the image build. */
  RegistryPassword: "registryPassword",
  /** Pull credential of registry.pullUsername; what the pods' imagePullSecret holds. */
  RegistryPullPassword: "registryPullPassword",
  RedisPassword: "redisPassword",
  RedisAdminPassword: "redisAdminPassword",
  /**
   * Optional: the client password being rotated out. While set, Redis servers and sentinels accept
   * it beside redisPassword, so applications move to the new one at their own pace; remove it once
   * they have (docs/configuration.md, "Rotating the client password").
   */
  RedisPreviousPassword: "redisPreviousPassword",
  /** SASL password of the ZooKeeper user `app` that applications authenticate as. */
  ZooKeeperPassword: "zookeeperPassword",
  /** Password of ZooKeeper's `super` (digest): operators and the health assertion. */
  ZooKeeperAdminPassword: "zookeeperAdminPassword",
  /** Seed of the passwords the pods use among themselves (Redis replication and Sentinel, ZooKeeper quorum); see platform/auth-secret.ts. */
  InternalSecret: "internalSecret",
} as const;
export type SecretKey = (typeof SecretKey)[keyof typeof SecretKey];

export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface StorageSettings {
  readonly mode: StorageMode;
  readonly nfs?: { readonly server: string; readonly path: string; readonly version: NfsVersion };
  readonly local?: { readonly path: string; readonly node: string };
  readonly storageClassName?: string;
  readonly reclaimPolicy: ReclaimPolicy;
  readonly sizes: Readonly<Record<Workload, string>>;
}

export interface ZooKeeperSettings {
  readonly enabled: boolean;
  readonly replicas: number;
  /** The member count a stopped ensemble had: acknowledges a resize (docs/runbooks.md, "Resizing the ZooKeeper ensemble"). */
  readonly resizeFrom?: number;
  readonly heap: string;
  readonly tickTime: number;
  readonly initLimit: number;
  readonly syncLimit: number;
  readonly resources: Resources;
}

export interface RedisSettings {
  readonly enabled: boolean;
  readonly appendfsync: AppendFsync;
  readonly maxmemory: string;
  /** ACL rules of the `default` user the applications use (components/redis/redis-acl.ts). */
  readonly clientAcl: string;
  /** Whether that user may run Lua scripts and functions (clientScriptingRules). */
  readonly clientScripting: boolean;
  readonly resources: Resources;
}

export interface RedisClusterSettings {
  readonly enabled: boolean;
  readonly masters: number;
  readonly replicasPerMaster: number;
  readonly nodeTimeoutMs: number;
  readonly maxmemory: string;
  /** ACL rules of the `default` user the applications use (components/redis/redis-acl.ts). */
  readonly clientAcl: string;
  /** Whether that user may run Lua scripts and functions (clientScriptingRules). */
  readonly clientScripting: boolean;
  readonly resources: Resources;
}

export interface RedisSentinelSettings {
  readonly enabled: boolean;
  readonly masterName: string;
  readonly dataReplicas: number;
  readonly sentinels: number;
  readonly quorum: number;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
  readonly maxmemory: string;
  /** ACL rules of the `default` user the applications use (components/redis/redis-acl.ts). */
  readonly clientAcl: string;
  /** Whether that user may run Lua scripts and functions (clientScriptingRules). */
  readonly clientScripting: boolean;
  readonly resources: Resources;
  readonly sentinelResources: Resources;
}

/**
 * TLS on every Redis workload (client ports, replication, the cluster bus, Sentinel's links; not
 * yet ZooKeeper), with mutual authentication: each workload has its own authority, and a peer or
 * client without a certificate it signed is refused.
 */
/** tls.renewBeforeDays and tls.minValidDays where the stack sets none (also the shipped alert rules'). */
export const TLS_DAY_DEFAULTS = { renewBeforeDays: 30, minValidDays: 7 } as const;

export interface TlsSettings {
  /**
   * Keep a plain-text client port (Port.RedisPlain, Port.SentinelPlain) beside the TLS one, for
   * applications still moving to TLS. Replication, the cluster bus and Sentinel's links speak TLS
   * either way. Defaults to false.
   */
  readonly plaintextPorts: boolean;
  /** How long an issued certificate is valid. */
  readonly validityDays: number;
  /** `up` issues a certificate anew once it is this close to expiring (and rolls the pods). */
  readonly renewBeforeDays: number;
  /** The health assertion fails a deploy whose pods serve a certificate expiring within this many days. */
  readonly minValidDays: number;
  /** How long a workload's certificate authority is valid (its renewal is a planned change: docs/configuration.md, "TLS"). */
  readonly authorityValidityDays: number;
}

/**
 * Metrics of every Redis server and sentinel, served by a sidecar per pod (images/redis/redis-metrics)
 * on Port.Metrics to the pods of one namespace only. Off unless the stack turns it on.
 */
export interface MetricsSettings {
  readonly enabled: boolean;
  /** The namespace whose pods (Prometheus) may scrape the metrics ports; required when enabled. */
  readonly scrapeNamespace: string;
  /**
   * Also declare the Prometheus Operator's objects: a PodMonitor per Redis workload and a
   * PrometheusRule with the alerts (the operator's CRDs must be installed). Defaults to false.
   */
  readonly prometheusOperator: boolean;
  /** A Prometheus of the stack's own, in its namespace. Off by default. */
  readonly prometheus: PrometheusSettings;
}

/**
 * metrics.prometheus: one Prometheus pod in the stack's namespace that finds the stack's pods by
 * their prometheus.io annotations, scrapes them and evaluates the alert rules. For a team that runs
 * no Prometheus yet, and for the local stack's own view; its samples live on an emptyDir.
 */
export interface PrometheusSettings {
  readonly enabled: boolean;
  /** How often it scrapes and evaluates the rules, in s or m ("30s" by default). */
  readonly interval: string;
  /** How long it keeps samples, in h, d or w ("2d" by default); also bounded by its volume's size. */
  readonly retention: string;
  readonly resources: Resources;
}

/** Everything a stack needs except secret values, validated. */
export interface StackSettings {
  readonly stack: string;
  readonly namespace: string;
  /** The cluster's DNS domain (the kubelets' clusterDomain); every pod and Service name ends in it. Defaults to cluster.local. */
  readonly clusterDomain: string;
  readonly registry: {
    readonly server: string;
    readonly project: string;
    /** Robot account with push rights; its password is used only by the image build. */
    readonly username: string;
    /** Robot account with pull rights only; the pods' imagePullSecret. */
    readonly pullUsername: string;
  };
  readonly images: {
    readonly baseImage: string;
    /**
     * The day whose Debian packages the images install (YYYY-MM-DD), or "" for none named: part of
     * the image tag and a build argument, so moving it rebuilds every image on the packages Debian
     * serves then (security fixes included). scripts/images-behind says when it is time.
     */
    readonly packagesAsOf: string;
  };
  readonly storage: StorageSettings;
  /** Namespaces (besides the stack's own) whose pods may reach the client ports. */
  readonly clientNamespaces: readonly string[];
  /** "required" spreads members over nodes strictly; "preferred" lets a one-node cluster run them. */
  readonly antiAffinity: AntiAffinity;
  readonly health: HealthSettings;
  readonly tls: TlsSettings;
  readonly metrics: MetricsSettings;
  readonly zookeeper: ZooKeeperSettings;
  readonly redis: RedisSettings;
  readonly redisCluster: RedisClusterSettings;
  readonly redisSentinel: RedisSentinelSettings;
}
