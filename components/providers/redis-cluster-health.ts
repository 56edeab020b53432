import * as pulumi from "@pulumi/pulumi";
import type { ClusterHealthInputs, ClusterHealthReport } from "./cluster-health-logic";
import { AssertionInputs, AssertionProvider } from "./provider-kit";
import type { Access } from "./reach";

export type RedisClusterHealthInputs = ClusterHealthInputs & AssertionInputs;

/** Fails the deployment unless the Redis Cluster is formed, agreed, fully covered and writable. */
export class RedisClusterHealthProvider extends AssertionProvider<RedisClusterHealthInputs> {
  constructor() {
    super("cluster-health-logic", "assertClusterHealthy", ["nodes", "expectedMasters", "replicasPerMaster", "username", "access"]);
  }
}

export interface RedisClusterHealthArgs {
  readonly nodes: pulumi.Input<pulumi.Input<string>[]>;
  readonly expectedMasters: pulumi.Input<number>;
  readonly replicasPerMaster: pulumi.Input<number>;
  readonly username?: pulumi.Input<string>;
  readonly password?: pulumi.Input<string>;
  readonly access?: pulumi.Input<Access>;
  /** How long a failing check is retried before the deployment fails. Defaults to 0. */
  readonly retryForMs?: pulumi.Input<number>;
  readonly trigger?: pulumi.Input<string>;
}

export class RedisClusterHealth extends pulumi.dynamic.Resource {
  declare public readonly report: pulumi.Output<ClusterHealthReport>;

  constructor(name: string, args: RedisClusterHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new RedisClusterHealthProvider(), name, { ...args, password: args.password === undefined ? undefined : pulumi.secret(args.password), report: undefined }, opts);
  }
}
