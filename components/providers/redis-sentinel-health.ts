import * as pulumi from "@pulumi/pulumi";
import {
  AssertionArgs,
  AssertionInputs,
  AssertionProvider,
  RedisCredentialArgs,
  withSecretPassword,
} from "./provider-kit";
import type { SentinelHealthInputs, SentinelHealthReport } from "./sentinel-health-logic";

export type RedisSentinelHealthInputs = SentinelHealthInputs & AssertionInputs;

/** Fails the deployment unless the sentinels agree on a master with quorum and replicas that serve its writes. */
export class RedisSentinelHealthProvider extends AssertionProvider<RedisSentinelHealthInputs> {
  constructor() {
    super(
      "sentinel-health-logic",
      "assertSentinelHealthy",
      ["sentinels", "masterName", "expectedReplicas", "username", "access"],
      "sentinels",
    );
  }
}

export interface RedisSentinelHealthArgs extends AssertionArgs, RedisCredentialArgs {
  readonly sentinels: pulumi.Input<pulumi.Input<string>[]>;
  readonly masterName: pulumi.Input<string>;
  readonly expectedReplicas: pulumi.Input<number>;
}

export class RedisSentinelHealth extends pulumi.dynamic.Resource {
  declare public readonly report: pulumi.Output<SentinelHealthReport>;

  constructor(name: string, args: RedisSentinelHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new RedisSentinelHealthProvider(), name, { ...withSecretPassword(args), report: undefined }, opts);
  }
}
