import * as pulumi from "@pulumi/pulumi";
import { AssertionArgs, AssertionInputs, AssertionProvider } from "./provider-kit";
import type { ZooKeeperHealthInputs as LogicInputs, ZooKeeperHealthReport } from "./zookeeper-health-logic";

export type ZooKeeperHealthInputs = LogicInputs & AssertionInputs;

/** Fails the deployment unless the ensemble has quorum, one leader, and serves reads of a fresh write. */
export class ZooKeeperHealthProvider extends AssertionProvider<ZooKeeperHealthInputs> {
  constructor() {
    super("zookeeper-health-logic", "assertZooKeeperHealthy", ["servers", "expectedSize", "access"]);
  }
}

export interface ZooKeeperHealthArgs extends AssertionArgs {
  readonly servers: pulumi.Input<pulumi.Input<string>[]>;
  readonly expectedSize: pulumi.Input<number>;
}

export class ZooKeeperHealth extends pulumi.dynamic.Resource {
  declare public readonly report: pulumi.Output<ZooKeeperHealthReport>;

  constructor(name: string, args: ZooKeeperHealthArgs, opts?: pulumi.CustomResourceOptions) {
    super(new ZooKeeperHealthProvider(), name, { ...args, report: undefined }, opts);
  }
}
