import * as pulumi from "@pulumi/pulumi";
import type { MonitoringCrdsInputs } from "../observability/monitoring-crds-logic";
import type { NodeCapacityInputs } from "./node-capacity-logic";
import type { StorageRootInputs } from "../storage/storage-root-logic";
import { loadLogic, logicName, stableId } from "../provider-kit/provider-kit";
import type { AsyncExport, LogicFile } from "../provider-kit/logic-modules";

/**
 * A question put to the live cluster before anything is deployed: its `check` runs the named
 * refusal from a logic module, at preview and at the start of up, and a refusal fails right there.
 * What the check protects depends on the resource, so nothing starts after a refusal.
 */
export class PreflightProvider<I, F extends LogicFile = LogicFile> implements pulumi.dynamic.ResourceProvider {
  constructor(
    private readonly logicFile: F,
    /** The refusal the module exports: tsc checks that it does. */
    private readonly refusal: AsyncExport<F, string | undefined>,
    /** The input a refusal is reported against. */
    private readonly property: string,
  ) {}

  async check(_olds: unknown, news: I): Promise<pulumi.dynamic.CheckResult> {
    const logic = loadLogic(this.logicFile) as unknown as Record<string, (i: I) => Promise<string | undefined>>;
    const reason = await logic[this.refusal](news).catch((e: Error) => e.message);
    return reason ? { inputs: news, failures: [{ property: this.property, reason }] } : { inputs: news };
  }

  async create(inputs: I): Promise<pulumi.dynamic.CreateResult> {
    return { id: stableId(logicName(this.logicFile), inputs), outs: inputs };
  }

  async diff(_id: string, olds: I, news: I): Promise<pulumi.dynamic.DiffResult> {
    return { changes: JSON.stringify(olds) !== JSON.stringify(news) };
  }

  async update(_id: string, _olds: I, news: I): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: news };
  }

  async delete(): Promise<void> {
    // Intentionally nothing: a check owns no object.
  }
}

/** Refuses `required` anti-affinity when some StatefulSet has more pods than the cluster has schedulable nodes. */
export class NodeCapacityCheck extends pulumi.dynamic.Resource {
  constructor(name: string, args: NodeCapacityInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      new PreflightProvider<NodeCapacityInputs, "stack/node-capacity-logic">(
        "stack/node-capacity-logic",
        "capacityRefusal",
        "pods",
      ),
      name,
      { ...args },
      opts,
    );
  }
}

/** Refuses metrics.prometheusOperator on a cluster that does not serve the operator's kinds. */
export class MonitoringCrdsCheck extends pulumi.dynamic.Resource {
  constructor(name: string, args: MonitoringCrdsInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      new PreflightProvider<MonitoringCrdsInputs, "observability/monitoring-crds-logic">(
        "observability/monitoring-crds-logic",
        "operatorRefusal",
        "resources",
      ),
      name,
      { ...args },
      opts,
    );
  }
}

/** Refuses a storage root that already holds volumes another stack (or anything else) uses. */
export class StorageRootCheck extends pulumi.dynamic.Resource {
  constructor(name: string, args: StorageRootInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      new PreflightProvider<StorageRootInputs, "storage/storage-root-logic">(
        "storage/storage-root-logic",
        "rootRefusal",
        "root",
      ),
      name,
      { ...args },
      opts,
    );
  }
}
