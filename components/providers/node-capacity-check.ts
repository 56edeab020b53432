import * as pulumi from "@pulumi/pulumi";
import type { NodeCapacityInputs } from "./node-capacity-logic";
import type { Access } from "./reach";
import { loadLogic, stableId } from "./provider-kit";

/**
 * Refuses, at preview and at the start of up, a `required` anti-affinity the cluster has too few
 * schedulable nodes for (node-capacity-logic.ts). The StatefulSets depend on it.
 */
export class NodeCapacityCheckProvider implements pulumi.dynamic.ResourceProvider {
  async check(_olds: unknown, news: NodeCapacityInputs): Promise<pulumi.dynamic.CheckResult> {
    const logic = loadLogic<typeof import("./node-capacity-logic")>("node-capacity-logic");
    const reason = await logic.capacityRefusal(news).catch((e: Error) => e.message);
    return reason ? { inputs: news, failures: [{ property: "pods", reason }] } : { inputs: news };
  }

  async create(inputs: NodeCapacityInputs): Promise<pulumi.dynamic.CreateResult> {
    return { id: stableId("node-capacity", inputs.pods), outs: inputs };
  }

  async diff(_id: string, olds: NodeCapacityInputs, news: NodeCapacityInputs): Promise<pulumi.dynamic.DiffResult> {
    return { changes: JSON.stringify(olds) !== JSON.stringify(news) };
  }

  async update(_id: string, _olds: NodeCapacityInputs, news: NodeCapacityInputs): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: news };
  }

  async delete(): Promise<void> {
    // Intentionally nothing: a check owns no object.
  }
}

export interface NodeCapacityCheckArgs {
  /** Pods per StatefulSet that must each run on a node of their own. */
  readonly pods: Record<string, number>;
  /** Whose kubectl context lists the nodes. Defaults to direct (the ambient context). */
  readonly access?: Access;
}

export class NodeCapacityCheck extends pulumi.dynamic.Resource {
  constructor(name: string, args: NodeCapacityCheckArgs, opts?: pulumi.CustomResourceOptions) {
    super(new NodeCapacityCheckProvider(), name, { ...args }, opts);
  }
}
