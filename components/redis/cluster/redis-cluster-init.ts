import * as pulumi from "@pulumi/pulumi";
import type { ClusterInitInputs, ClusterInitResult } from "./redis-cluster-init-logic";
import {
  PostDeployArgs,
  CredentialArgs,
  diffOf,
  loadLogic,
  stableId,
  withSecretPassword,
  withoutSecrets,
} from "../../provider-kit/provider-kit";

/** What the provider's CRUD methods receive: plain values. */
export interface RedisClusterInitInputs extends ClusterInitInputs {
  /** Changes when the pods change (image, config), so the cluster is checked and completed again. */
  readonly trigger?: string;
}

export type RedisClusterInitOutputs = Omit<RedisClusterInitInputs, "password"> & ClusterInitResult;

const WATCHED = ["nodes", "replicasPerMaster", "username", "access", "trigger"];

/**
 * Forms, adopts or completes a Redis Cluster. Creating and updating both converge the live
 * cluster to the inputs (a scale-out moves slots with their keys); deleting leaves it alone.
 * Creating takes only empty nodes or a cluster laid out as this stack lays it out; updating only
 * the nodes whose ids the create recorded.
 */
export class RedisClusterInitProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: RedisClusterInitInputs): Promise<pulumi.dynamic.CreateResult> {
    const { initCluster } = loadLogic("redis/cluster/redis-cluster-init-logic");
    const result = await initCluster(inputs);
    return { id: stableId("redis-cluster", inputs.nodes), outs: { ...withoutSecrets(inputs), ...result } };
  }

  async diff(
    _id: string,
    olds: RedisClusterInitOutputs,
    news: RedisClusterInitInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    return diffOf(olds as never, news as never, WATCHED);
  }

  async update(
    _id: string,
    olds: RedisClusterInitOutputs,
    news: RedisClusterInitInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const { initCluster } = loadLogic("redis/cluster/redis-cluster-init-logic");
    // The ids recorded at create: only the cluster this stack formed is completed or scaled.
    return { outs: { ...withoutSecrets(news), ...(await initCluster(news, olds.nodeIds)) } };
  }

  async delete(): Promise<void> {
    // Intentionally nothing: destroying the stack must never reset a cluster that holds data;
    // the StatefulSet and its Retain volumes are what a destroy removes.
  }
}

/** `username` must name a user with cluster-management (@admin) rights. */
export interface RedisClusterInitArgs extends PostDeployArgs, CredentialArgs {
  /** `host:port` of every node, in ordinal order: the first masters, the rest their replicas. */
  readonly nodes: pulumi.Input<pulumi.Input<string>[]>;
  /** Replicas each master gets; the node count must be a multiple of 1 + this. */
  readonly replicasPerMaster: pulumi.Input<number>;
}

export class RedisClusterInit extends pulumi.dynamic.Resource {
  declare public readonly action: pulumi.Output<string>;
  declare public readonly masters: pulumi.Output<string[]>;
  declare public readonly replicaOf: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: RedisClusterInitArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      new RedisClusterInitProvider(),
      name,
      {
        ...withSecretPassword(args),
        action: undefined,
        masters: undefined,
        replicaOf: undefined,
        writes: undefined,
        nodeIds: undefined,
      },
      opts,
    );
  }
}
