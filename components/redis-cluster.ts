import * as pulumi from "@pulumi/pulumi";
import { AppendFsync, RedisClusterSettings } from "./stack-config";
import { redisAuthSecret } from "./redis-auth-secret";
import { PlatformArgs, StatefulWorkload } from "./stateful-workload";
import { Port } from "./specs/ports";
import { RedisMode, redisConf } from "./specs/redis-conf";
import { redisServerContainer } from "./specs/redis-container";

export interface RedisClusterArgs {
  readonly platform: PlatformArgs;
  readonly settings: RedisClusterSettings;
  /** Digest-pinned Redis image. */
  readonly image: pulumi.Input<string>;
  /** Capacity of each node's volume, e.g. "10Gi". */
  readonly storageSize: string;
  readonly password: pulumi.Input<string>;
  readonly adminPassword: pulumi.Input<string>;
}

/** The pods of a Redis Cluster; slots are assigned after deploy by the cluster-init provider. */
export class RedisCluster extends pulumi.ComponentResource {
  public readonly workload: StatefulWorkload;
  /** `host:port` of every node, by stable DNS name, in ordinal order. */
  public readonly nodes: string[];

  constructor(name: string, args: RedisClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:redis:RedisCluster", name, {}, opts);
    const p = args.platform;
    const s = args.settings;
    const auth = redisAuthSecret(`${name}-auth`, { namespace: p.namespace, password: args.password, adminPassword: args.adminPassword }, this);
    this.workload = new StatefulWorkload(name, {
      platform: p,
      app: "redis-cluster",
      replicas: s.masters * (1 + s.replicasPerMaster),
      image: args.image,
      configFiles: {
        "redis.conf": redisConf({ mode: RedisMode.Cluster, maxmemory: s.maxmemory, appendfsync: AppendFsync.EverySec, clusterNodeTimeoutMs: s.nodeTimeoutMs }),
      },
      authSecretName: auth.metadata.name,
      resources: s.resources,
      storageSize: args.storageSize,
      clientPorts: [{ name: "redis", port: Port.Redis }],
      peerPorts: [{ name: "bus", port: Port.RedisBus }],
      container: redisServerContainer(RedisMode.Cluster, `${name}-headless`, p.namespaceName),
    }, { parent: this });
    this.nodes = this.workload.hosts.map((h) => `${h}:${Port.Redis}`);
    this.registerOutputs({ nodes: this.nodes });
  }
}
