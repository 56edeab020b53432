import * as pulumi from "@pulumi/pulumi";
import type { Access } from "./reach";
import { loadLogic, stableId } from "./provider-kit";
import type { ZooKeeperResizeInputs } from "./zookeeper-resize-logic";

type ResizeLogic = typeof import("./zookeeper-resize-logic");

/**
 * Holds a ZooKeeper ensemble to its member count. A change is refused at preview (check) unless
 * the operator acknowledges it with `resizeFrom`, and at up (update) while any recorded member
 * still answers. The ensemble's config and StatefulSet depend on this resource, so a refusal
 * stops the roll before it starts.
 */
export class ZooKeeperResizeGuardProvider implements pulumi.dynamic.ResourceProvider {
  async check(olds: Partial<ZooKeeperResizeInputs>, news: ZooKeeperResizeInputs): Promise<pulumi.dynamic.CheckResult> {
    const reason = loadLogic<ResizeLogic>("zookeeper-resize-logic").resizeRefusal(olds.replicas, news.replicas, news.resizeFrom);
    return reason ? { inputs: news, failures: [{ property: "replicas", reason }] } : { inputs: news };
  }

  async create(inputs: ZooKeeperResizeInputs): Promise<pulumi.dynamic.CreateResult> {
    return { id: stableId("zookeeper-size", inputs.servers), outs: inputs };
  }

  async diff(_id: string, olds: ZooKeeperResizeInputs, news: ZooKeeperResizeInputs): Promise<pulumi.dynamic.DiffResult> {
    const changed = JSON.stringify(olds.servers) !== JSON.stringify(news.servers) || olds.replicas !== news.replicas;
    return { changes: changed || JSON.stringify(olds.access) !== JSON.stringify(news.access) || olds.resizeFrom !== news.resizeFrom };
  }

  async update(_id: string, olds: ZooKeeperResizeInputs, news: ZooKeeperResizeInputs): Promise<pulumi.dynamic.UpdateResult> {
    if (olds.replicas !== news.replicas) await loadLogic<ResizeLogic>("zookeeper-resize-logic").assertEnsembleStopped(olds.servers, news.access);
    return { outs: news };
  }

  async delete(): Promise<void> {
    // Intentionally nothing: the guard owns no object.
  }
}

export interface ZooKeeperResizeGuardArgs {
  readonly replicas: pulumi.Input<number>;
  /** The member count the operator stopped the ensemble at, acknowledging a resize. Defaults to none. */
  readonly resizeFrom?: pulumi.Input<number>;
  /** `host:port` client endpoint of every member. */
  readonly servers: pulumi.Input<pulumi.Input<string>[]>;
  /** How to reach the members to see that they are stopped. Defaults to direct. */
  readonly access?: pulumi.Input<Access>;
}

export class ZooKeeperResizeGuard extends pulumi.dynamic.Resource {
  constructor(name: string, args: ZooKeeperResizeGuardArgs, opts?: pulumi.CustomResourceOptions) {
    super(new ZooKeeperResizeGuardProvider(), name, { ...args }, opts);
  }
}
