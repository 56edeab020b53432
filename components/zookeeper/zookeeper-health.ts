import * as pulumi from "@pulumi/pulumi";
import { Assertion, AssertionArgs, AssertionInputs, AssertionProvider, AssertionResource } from "../health/assertions";
import type { CredentialArgs } from "../provider-kit/provider-kit";
import type { ZooKeeperHealthInputs as LogicInputs, ZooKeeperHealthReport } from "./zookeeper-health-logic";
import { ZooKeeperSettings } from "../config/settings";
import { Port } from "../platform/ports";
import { podEndpoints } from "../platform/network";
import { ZOOKEEPER_CLIENT_USER } from "./zoo-cfg";

export type ZooKeeperHealthInputs = LogicInputs & AssertionInputs;

/** What the assertion checks, from the workload's name, settings and DNS zone alone: the component and verify's plan hand it the same members. */
export function zookeeperHealthInputs(name: string, s: Pick<ZooKeeperSettings, "replicas">, zone: string) {
  return {
    servers: podEndpoints(name, s.replicas, zone, Port.ZooKeeperClient),
    expectedSize: s.replicas,
    clientUser: ZOOKEEPER_CLIENT_USER,
  };
}

/**
 * Fails the deployment unless the ensemble has quorum and one leader, refuses unauthenticated
 * sessions, keeps its root znode closed to the world, and serves reads of a fresh write; over TLS,
 * unless every member serves a certificate valid for minValidDays more.
 */
export class ZooKeeperHealthProvider extends AssertionProvider<ZooKeeperHealthInputs> {
  constructor() {
    super(Assertion.ZooKeeper);
  }
}

export interface ZooKeeperHealthArgs extends AssertionArgs, Pick<CredentialArgs, "tls"> {
  /** `host:port` client endpoint of every member. */
  readonly servers: pulumi.Input<pulumi.Input<string>[]>;
  /** Members that must be in the quorum, one of them the leader. */
  readonly expectedSize: pulumi.Input<number>;
  /** The SASL user the root znode's ACL must name. */
  readonly clientUser: pulumi.Input<string>;
  /** Password of `super`; travels as a Pulumi secret. */
  readonly password: pulumi.Input<string>;
}

export class ZooKeeperHealth extends AssertionResource<ZooKeeperHealthReport> {
  constructor(name: string, args: ZooKeeperHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new ZooKeeperHealthProvider(), name, args, opts);
  }
}
