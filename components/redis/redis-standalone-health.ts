import * as pulumi from "@pulumi/pulumi";
import { Assertion, AssertionArgs, AssertionInputs, AssertionProvider, AssertionResource } from "../health/assertions";
import type { CredentialArgs } from "../provider-kit/provider-kit";
import type { StandaloneHealthInputs, StandaloneHealthReport } from "./redis-standalone-health-logic";
import { Port } from "../platform/ports";
import { podEndpoints } from "../platform/network";

export type RedisStandaloneHealthInputs = StandaloneHealthInputs & AssertionInputs;

/** What the assertion checks, from the workload's name, settings and DNS zone alone: the component and verify's plan hand it the same members. */
export function redisStandaloneHealthInputs(name: string, zone: string) {
  return { endpoint: podEndpoints(name, 1, zone, Port.Redis)[0] };
}

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
