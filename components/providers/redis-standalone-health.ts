import * as pulumi from "@pulumi/pulumi";
import { AssertionInputs, AssertionProvider } from "./provider-kit";
import type { Access } from "./reach";
import type { StandaloneHealthInputs, StandaloneHealthReport } from "./standalone-health-logic";

export type RedisStandaloneHealthInputs = StandaloneHealthInputs & AssertionInputs;

/** Fails the deployment unless Redis answers an authenticated PING with AOF on and serves a write/read. */
export class RedisStandaloneHealthProvider extends AssertionProvider<RedisStandaloneHealthInputs> {
  constructor() {
    super("standalone-health-logic", "assertStandaloneHealthy", ["endpoint", "username", "access"]);
  }
}

export interface RedisStandaloneHealthArgs {
  readonly endpoint: pulumi.Input<string>;
  readonly username?: pulumi.Input<string>;
  readonly password?: pulumi.Input<string>;
  readonly access?: pulumi.Input<Access>;
  /** How long a failing check is retried before the deployment fails. Defaults to 0. */
  readonly retryForMs?: pulumi.Input<number>;
  readonly trigger?: pulumi.Input<string>;
}

export class RedisStandaloneHealth extends pulumi.dynamic.Resource {
  declare public readonly report: pulumi.Output<StandaloneHealthReport>;

  constructor(name: string, args: RedisStandaloneHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new RedisStandaloneHealthProvider(), name, { ...args, password: args.password === undefined ? undefined : pulumi.secret(args.password), report: undefined }, opts);
  }
}
