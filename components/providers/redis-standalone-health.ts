import * as pulumi from "@pulumi/pulumi";
import {
  AssertionArgs,
  AssertionInputs,
  AssertionProvider,
  RedisCredentialArgs,
  withSecretPassword,
} from "./provider-kit";
import type { StandaloneHealthInputs, StandaloneHealthReport } from "./standalone-health-logic";

export type RedisStandaloneHealthInputs = StandaloneHealthInputs & AssertionInputs;

/** Fails the deployment unless Redis answers an authenticated PING with AOF on and serves a write/read. */
export class RedisStandaloneHealthProvider extends AssertionProvider<RedisStandaloneHealthInputs> {
  constructor() {
    super("standalone-health-logic", "assertStandaloneHealthy", ["endpoint", "username", "access"], "endpoint");
  }
}

export interface RedisStandaloneHealthArgs extends AssertionArgs, RedisCredentialArgs {
  readonly endpoint: pulumi.Input<string>;
}

export class RedisStandaloneHealth extends pulumi.dynamic.Resource {
  declare public readonly report: pulumi.Output<StandaloneHealthReport>;

  constructor(name: string, args: RedisStandaloneHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new RedisStandaloneHealthProvider(), name, { ...withSecretPassword(args), report: undefined }, opts);
  }
}
