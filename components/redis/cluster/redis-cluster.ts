import * as pulumi from "@pulumi/pulumi";
import { AppendFsync, RedisClusterSettings, TlsSettings } from "../../config/settings";
import { RedisClusterHealth, redisClusterHealthInputs } from "./redis-cluster-health";
import { ChangeGuard } from "../../platform/change-guard";
import { RedisClusterInit } from "./redis-cluster-init";
import { Credentials, acceptsPreviousPassword, authSecret, internalPasswordsGuard } from "../../platform/auth-secret";
import { PlatformArgs, StatefulWorkload } from "../../workload/stateful-workload";
import { redisDataWorkload, withMetricsUser } from "../redis-data-workload";
import { podHosts } from "../../platform/network";
import { Port } from "../../platform/ports";
import { CLUSTER_INTERNAL_USERS } from "../redis-acl";
import { CLUSTER_NODE_GRACE_SECONDS } from "../redis-container";
import { RedisMode } from "../redis-conf";
import { clusterSize } from "./slot-plan";
import { tlsSwitchGuard, workloadTls } from "../../tls/workload-tls";
import { PROCEDURES, procedureRef } from "../../platform/procedures";

export interface RedisClusterArgs {
  /** Namespace, storage, scheduling and health wiring shared by every workload. */
  readonly platform: PlatformArgs;
  /** Masters, replicas, timeouts, memory and resources, validated. */
  readonly settings: RedisClusterSettings;
  /** Digest-pinned Redis image. */
  readonly image: pulumi.Input<string>;
  /** Capacity of each node's volume, e.g. "10Gi". */
  readonly storageSize: string;
  /** The client and admin passwords and the internal secret, as Pulumi secrets. */
  readonly credentials: Credentials;
  /** TLS with mutual authentication on the client port, replication and the cluster bus. Defaults to none: plain text. */
  readonly tls?: TlsSettings;
}

/** The pods of a Redis Cluster; slots are assigned after deploy by the cluster-init provider. */
export class RedisCluster extends pulumi.ComponentResource {
  public readonly workload: StatefulWorkload;
  /** `host:port` of every node, by stable DNS name, in ordinal order. */
  public readonly nodes: string[];
  /** Forms or adopts the cluster once the pods are ready; undefined when health checks are disabled. */
  public readonly init?: RedisClusterInit;
  public readonly health?: RedisClusterHealth;
  /** The Secret (ca.crt, tls.crt, tls.key) applications mount to connect; undefined without TLS. */
  public readonly clientTlsSecretName?: pulumi.Output<string>;

  constructor(name: string, args: RedisClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:redis:RedisCluster", name, {}, opts);
    const p = args.platform;
    const s = args.settings;
    const replicas = clusterSize(s.masters, s.replicasPerMaster);
    const auth = authSecret(
      name,
      {
        platform: p,
        credentials: args.credentials,
        internalFiles: withMetricsUser(CLUSTER_INTERNAL_USERS, p),
        internalScope: name,
        hashes: true,
      },
      this,
    );
    const tls =
      args.tls && workloadTls(name, { platform: p, app: "redis-cluster", protocol: "redis", settings: args.tls }, this);
    this.clientTlsSecretName = tls?.clientSecretName;
    const shape = redisClusterHealthInputs(name, s, p.zone);
    // The StatefulSet would drop the highest ordinals at once (a whole shard, with Parallel pods)
    // before init could move a slot, so fewer nodes are refused at preview; more go through.
    const shapeGuard = new ChangeGuard(
      `${name}-shape`,
      {
        setting: "redisCluster.masters / redisCluster.replicasPerMaster",
        value: `masters=${s.masters},replicasPerMaster=${s.replicasPerMaster}`,
        growthAllowed: true,
        members: [],
        procedure: procedureRef(PROCEDURES.scalingRedisCluster),
        risk: "the StatefulSet would stop the highest-numbered pods at once, with the slots and keys they serve, before anything could move them",
      },
      { parent: this },
    );
    this.workload = new StatefulWorkload(
      name,
      {
        gates: [
          shapeGuard,
          internalPasswordsGuard(name, shape.nodes, p.health?.access, this),
          ...(tls ? [tlsSwitchGuard(name, shape.nodes, p.health?.access, this)] : []),
        ],
        terminationGracePeriodSeconds: CLUSTER_NODE_GRACE_SECONDS,
        ...redisDataWorkload({
          platform: p,
          app: "redis-cluster",
          name,
          replicas,
          image: args.image,
          conf: {
            mode: RedisMode.Cluster,
            maxmemory: s.maxmemory,
            appendfsync: AppendFsync.EverySec,
            clusterNodeTimeoutMs: s.nodeTimeoutMs,
            clientAcl: s.clientAcl,
            clientScripting: s.clientScripting,
            acceptsPreviousPassword: acceptsPreviousPassword(args.credentials),
          },
          auth,
          resources: s.resources,
          storageSize: args.storageSize,
          peerPorts: [{ name: "bus", port: Port.RedisBus }],
          tls,
          // Every node by name: a node finds its peers again after they all restart at new addresses (images/redis/redis-cluster-peers).
          env: [{ name: "CLUSTER_PEERS", value: podHosts(name, replicas, p.zone).join(" ") }],
        }),
        // The intended shape, for the statefulset-redis-cluster-shape policy to check against the replica count.
        annotations: {
          "middleware/redis-cluster-masters": String(s.masters),
          "middleware/redis-cluster-replicas-per-master": String(s.replicasPerMaster),
        },
      },
      { parent: this },
    );
    this.nodes = shape.nodes;
    const h = p.health;
    if (h) {
      // Slot and replica management needs @admin commands, which the client user is denied.
      this.init = new RedisClusterInit(
        `${name}-init`,
        {
          nodes: this.nodes,
          replicasPerMaster: s.replicasPerMaster,
          username: "admin",
          password: args.credentials.adminPassword,
          tls: tls?.deployer,
          access: h.access,
          trigger: this.workload.revision,
        },
        { parent: this, dependsOn: [this.workload.ready] },
      );
      this.health = new RedisClusterHealth(
        `${name}-health`,
        {
          ...shape,
          password: args.credentials.password,
          tls: tls?.deployer,
          minValidDays: tls?.minValidDays,
          access: h.access,
          retryForMs: h.retryForMs,
          trigger: this.workload.revision,
        },
        { parent: this, dependsOn: [this.init] },
      );
    }
    this.registerOutputs({ nodes: this.nodes, health: this.health?.report, clientTlsSecret: this.clientTlsSecretName });
  }
}
