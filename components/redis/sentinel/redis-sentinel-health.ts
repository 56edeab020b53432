import * as pulumi from "@pulumi/pulumi";
import {
  Assertion,
  AssertionArgs,
  AssertionInputs,
  AssertionProvider,
  AssertionResource,
} from "../../health/assertions";
import type { CredentialArgs } from "../../provider-kit/provider-kit";
import type { SentinelHealthInputs, SentinelHealthReport } from "./redis-sentinel-health-logic";
import { RedisSentinelSettings } from "../../config/settings";
import { Port } from "../../platform/ports";
import { podEndpoints } from "../../platform/network";

export type RedisSentinelHealthInputs = SentinelHealthInputs & AssertionInputs;

/** What the assertion checks, from the workload's name, settings and DNS zone alone: the component and verify's plan hand it the same members. */
export function redisSentinelHealthInputs(
  name: string,
  s: Pick<RedisSentinelSettings, "sentinels" | "masterName" | "dataReplicas">,
  zone: string,
) {
  return {
    sentinels: podEndpoints(name, s.sentinels, zone, Port.Sentinel),
    masterName: s.masterName,
    expectedReplicas: s.dataReplicas - 1,
  };
}

/** Fails the deployment unless the sentinels agree on a master with quorum and replicas that serve its writes. */
export class RedisSentinelHealthProvider extends AssertionProvider<RedisSentinelHealthInputs> {
  constructor() {
    super(Assertion.RedisSentinel);
  }
}

export interface RedisSentinelHealthArgs extends AssertionArgs, CredentialArgs {
  /** `host:port` of every sentinel. */
  readonly sentinels: pulumi.Input<pulumi.Input<string>[]>;
  /** The name the sentinels monitor the master under. */
  readonly masterName: pulumi.Input<string>;
  /** Replicas the master must have, connected and known to every sentinel. */
  readonly expectedReplicas: pulumi.Input<number>;
}

export class RedisSentinelHealth extends AssertionResource<SentinelHealthReport> {
  constructor(name: string, args: RedisSentinelHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new RedisSentinelHealthProvider(), name, args, opts);
  }
}
