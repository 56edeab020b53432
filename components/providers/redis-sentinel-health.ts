import * as pulumi from "@pulumi/pulumi";
import { AssertionInputs, AssertionProvider } from "./provider-kit";
import type { Access } from "./reach";
import type { SentinelHealthInputs, SentinelHealthReport } from "./sentinel-health-logic";

export type RedisSentinelHealthInputs = SentinelHealthInputs & AssertionInputs;

/** Fails the deployment unless the sentinels agree on a master with quorum and replicas that serve its writes. */
export class RedisSentinelHealthProvider extends AssertionProvider<RedisSentinelHealthInputs> {
  constructor() {
    super("sentinel-health-logic", "assertSentinelHealthy", ["sentinels", "masterName", "expectedReplicas", "username", "access"]);
  }
}

export interface RedisSentinelHealthArgs {
  readonly sentinels: pulumi.Input<pulumi.Input<string>[]>;
  readonly masterName: pulumi.Input<string>;
  readonly expectedReplicas: pulumi.Input<number>;
  readonly username?: pulumi.Input<string>;
  readonly password?: pulumi.Input<string>;
  readonly access?: pulumi.Input<Access>;
  /** How long a failing check is retried before the deployment fails. Defaults to 0. */
  readonly retryForMs?: pulumi.Input<number>;
  readonly trigger?: pulumi.Input<string>;
}

export class RedisSentinelHealth extends pulumi.dynamic.Resource {
  declare public readonly report: pulumi.Output<SentinelHealthReport>;

  constructor(name: string, args: RedisSentinelHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new RedisSentinelHealthProvider(), name, { ...args, password: args.password === undefined ? undefined : pulumi.secret(args.password), report: undefined }, opts);
  }
}
