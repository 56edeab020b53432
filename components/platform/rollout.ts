import * as pulumi from "@pulumi/pulumi";
import type { RolloutInputs } from "./rollout-logic";
import type { Access } from "../provider-kit/reach";
import { diffOf, loadLogic, stableId } from "../provider-kit/provider-kit";

/** Waits, on create and whenever what the pods run changes, until the StatefulSet has rolled out. */
export class RolloutProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: RolloutInputs): Promise<pulumi.dynamic.CreateResult> {
    const done = await loadLogic("platform/rollout-logic").awaitRollout(inputs);
    return { id: stableId("rollout", `${inputs.namespace}/${inputs.statefulSet}`), outs: { ...inputs, ...done } };
  }

  async diff(_id: string, olds: RolloutInputs, news: RolloutInputs): Promise<pulumi.dynamic.DiffResult> {
    return diffOf({ ...olds }, { ...news }, ["namespace", "statefulSet", "revision", "generation"]);
  }

  async update(_id: string, _olds: RolloutInputs, news: RolloutInputs): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: { ...news, ...(await loadLogic("platform/rollout-logic").awaitRollout(news)) } };
  }

  async delete(): Promise<void> {
    // Intentionally nothing: waiting owns no object.
  }
}

export interface StatefulSetRolloutArgs {
  /** Namespace of the StatefulSet. */
  readonly namespace: pulumi.Input<string>;
  /** Name of the StatefulSet. */
  readonly statefulSet: pulumi.Input<string>;
  /** What the pods run (health-wiring.ts podsRevision); a change waits for the roll again. */
  readonly revision: pulumi.Input<string>;
  /** The StatefulSet's metadata.generation as applied. */
  readonly generation: pulumi.Input<number>;
  /** Whose kubectl context reads the StatefulSet. Defaults to direct: the ambient one. */
  readonly access?: pulumi.Input<Access>;
}

/**
 * Completes when the StatefulSet's pods all run its latest spec and are Ready. Cluster init and the
 * health assertions depend on it, so they judge the pods the deploy made, not the ones it replaces.
 */
export class StatefulSetRollout extends pulumi.dynamic.Resource {
  declare public readonly updateRevision: pulumi.Output<string>;

  constructor(name: string, args: StatefulSetRolloutArgs, opts?: pulumi.CustomResourceOptions) {
    super(new RolloutProvider(), name, { ...args, updateRevision: undefined }, opts);
  }
}
