import * as pulumi from "@pulumi/pulumi";
import { Assertion, AssertionArgs, AssertionInputs, AssertionProvider, AssertionResource } from "./assertions";
import type { CredentialArgs } from "./shared/provider-kit";
import type { ClusterHealthInputs, ClusterHealthReport } from "./redis-cluster-health-logic";

export type RedisClusterHealthInputs = ClusterHealthInputs & AssertionInputs;

/** Fails the deployment unless the Redis Cluster is formed, agreed, fully covered and writable. */
export class RedisClusterHealthProvider extends AssertionProvider<RedisClusterHealthInputs> {
  constructor() {
    super(Assertion.RedisCluster);
  }
}

export interface RedisClusterHealthArgs extends AssertionArgs, CredentialArgs {
  /** `host:port` of every node, masters and replicas. */
  readonly nodes: pulumi.Input<pulumi.Input<string>[]>;
  /** Masters that must serve slots. */
  readonly expectedMasters: pulumi.Input<number>;
  /** Connected replicas each master must have. */
  readonly replicasPerMaster: pulumi.Input<number>;
}

export class RedisClusterHealth extends AssertionResource<ClusterHealthReport> {
  constructor(name: string, args: RedisClusterHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new RedisClusterHealthProvider(), name, args, opts);
  }
}
