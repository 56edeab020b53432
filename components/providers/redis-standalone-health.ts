import * as pulumi from "@pulumi/pulumi";
import { Assertion, AssertionArgs, AssertionInputs, AssertionProvider, AssertionResource } from "./assertions";
import type { CredentialArgs } from "./shared/provider-kit";
import type { StandaloneHealthInputs, StandaloneHealthReport } from "./redis-standalone-health-logic";

export type RedisStandaloneHealthInputs = StandaloneHealthInputs & AssertionInputs;

/** Fails the deployment unless Redis answers an authenticated PING with AOF on and serves a write/read. */
export class RedisStandaloneHealthProvider extends AssertionProvider<RedisStandaloneHealthInputs> {
  constructor() {
    super(Assertion.RedisStandalone);
  }
}

export interface RedisStandaloneHealthArgs extends AssertionArgs, CredentialArgs {
  /** `host:port` of the Redis pod. */
  readonly endpoint: pulumi.Input<string>;
}

export class RedisStandaloneHealth extends AssertionResource<StandaloneHealthReport> {
  constructor(name: string, args: RedisStandaloneHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new RedisStandaloneHealthProvider(), name, args, opts);
  }
}
