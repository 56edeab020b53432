import * as pulumi from "@pulumi/pulumi";
import {
  Assertion,
  AssertionArgs,
  AssertionInputs,
  AssertionProvider,
  AssertionResource,
} from "../../health/assertions";
import type { CredentialArgs } from "../../provider-kit/provider-kit";
import type { ClusterHealthInputs, ClusterHealthReport } from "./redis-cluster-health-logic";
import { RedisClusterSettings } from "../../config/settings";
import { Port } from "../../platform/ports";
import { podEndpoints } from "../../platform/network";
import { clusterSize } from "./slot-plan";

export type RedisClusterHealthInputs = ClusterHealthInputs & AssertionInputs;

/** What the assertion checks, from the workload's name, settings and DNS zone alone: the component and verify's plan hand it the same members. */
export function redisClusterHealthInputs(
  name: string,
  s: Pick<RedisClusterSettings, "masters" | "replicasPerMaster">,
  zone: string,
) {
  return {
    nodes: podEndpoints(name, clusterSize(s.masters, s.replicasPerMaster), zone, Port.Redis),
    expectedMasters: s.masters,
    replicasPerMaster: s.replicasPerMaster,
  };
}

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
