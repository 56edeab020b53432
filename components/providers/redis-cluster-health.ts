import * as pulumi from "@pulumi/pulumi";
import type { ClusterHealthInputs, ClusterHealthReport } from "./cluster-health-logic";
import {
  AssertionArgs,
  AssertionInputs,
  AssertionProvider,
  RedisCredentialArgs,
  withSecretPassword,
} from "./provider-kit";

export type RedisClusterHealthInputs = ClusterHealthInputs & AssertionInputs;

/** Fails the deployment unless the Redis Cluster is formed, agreed, fully covered and writable. */
export class RedisClusterHealthProvider extends AssertionProvider<RedisClusterHealthInputs> {
  constructor() {
    super(
      "cluster-health-logic",
      "assertClusterHealthy",
      ["nodes", "expectedMasters", "replicasPerMaster", "username", "access"],
      "nodes",
    );
  }
}

export interface RedisClusterHealthArgs extends AssertionArgs, RedisCredentialArgs {
  readonly nodes: pulumi.Input<pulumi.Input<string>[]>;
  readonly expectedMasters: pulumi.Input<number>;
  readonly replicasPerMaster: pulumi.Input<number>;
}

export class RedisClusterHealth extends pulumi.dynamic.Resource {
  declare public readonly report: pulumi.Output<ClusterHealthReport>;

  constructor(name: string, args: RedisClusterHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new RedisClusterHealthProvider(), name, { ...withSecretPassword(args), report: undefined }, opts);
  }
}
