import * as pulumi from "@pulumi/pulumi";
import type { ChangeGuardInputs } from "./change-guard-logic";
import type { Access } from "../provider-kit/reach";
import { loadLogic, stableId } from "../provider-kit/provider-kit";

/**
 * Holds a setting that must not change under running pods (change-guard-logic.ts). Whatever the
 * change would touch depends on this resource, so a refusal stops it before it starts.
 */
export class ChangeGuardProvider implements pulumi.dynamic.ResourceProvider {
  async check(olds: Partial<ChangeGuardInputs>, news: ChangeGuardInputs): Promise<pulumi.dynamic.CheckResult> {
    const reason = loadLogic("platform/change-guard-logic").changeRefusal(olds.value, news);
    return reason ? { inputs: news, failures: [{ property: "value", reason }] } : { inputs: news };
  }

  async create(inputs: ChangeGuardInputs): Promise<pulumi.dynamic.CreateResult> {
    if (inputs.stoppedToCreate) await loadLogic("platform/change-guard-logic").assertMembersStopped(inputs);
    return { id: stableId("guard", inputs.setting), outs: inputs };
  }

  async diff(_id: string, olds: ChangeGuardInputs, news: ChangeGuardInputs): Promise<pulumi.dynamic.DiffResult> {
    return { changes: JSON.stringify(olds) !== JSON.stringify(news) };
  }

  async update(_id: string, olds: ChangeGuardInputs, news: ChangeGuardInputs): Promise<pulumi.dynamic.UpdateResult> {
    const logic = loadLogic("platform/change-guard-logic");
    // Only an acknowledged change gets past check with a new value and needs the members stopped
    // (a growth the guard allows does not); the ones recorded for the deployed value are those.
    const grew = news.growthAllowed === true && logic.onlyGrows(olds.value, news.value);
    if (olds.value !== news.value && news.ackSetting && !grew)
      await logic.assertMembersStopped({ ...olds, access: news.access });
    return { outs: news };
  }

  async delete(): Promise<void> {
    // Intentionally nothing: a guard owns no object.
  }
}

export interface ChangeGuardArgs {
  /** The stack setting the guard watches, as the refusal names it, e.g. zookeeper.replicas. */
  readonly setting: string;
  /** Its value now; a change from the recorded one is refused unless acknowledged. */
  readonly value: pulumi.Input<string>;
  /** The setting that acknowledges a change. Defaults to none: a change is always refused. */
  readonly ackSetting?: string;
  /** The old value, named by the operator to acknowledge a change. Defaults to none. */
  readonly ack?: pulumi.Input<string>;
  /** Whether counts in the value may grow without acknowledgement (change-guard-logic.ts). Defaults to false. */
  readonly growthAllowed?: boolean;
  /** What goes wrong if the change is made under running pods, as the refusal says it. */
  readonly risk: string;
  /** Where the procedure that makes the change safely is written: procedureRef(PROCEDURES.x). */
  readonly procedure: string;
  /** `host:port` of every member that must be stopped before an acknowledged change goes through. */
  readonly members: pulumi.Input<pulumi.Input<string>[]>;
  /** How to reach the members to see that they are stopped. Defaults to direct. */
  readonly access?: pulumi.Input<Access>;
  /** Whether creating the guard needs the members stopped too (change-guard-logic.ts). Defaults to false. */
  readonly stoppedToCreate?: boolean;
}

export class ChangeGuard extends pulumi.dynamic.Resource {
  constructor(name: string, args: ChangeGuardArgs, opts?: pulumi.CustomResourceOptions) {
    super(new ChangeGuardProvider(), name, { ...args }, opts);
  }
}

/** A switch every member of a set must make at once, as the refusal and its procedure name it. */
export interface AllAtOnceSwitch {
  readonly setting: string;
  readonly value: string;
  /** What switching the pods one at a time would do. */
  readonly risk: string;
  /** Where the stop-the-pods procedure is written: procedureRef(PROCEDURES.x). */
  readonly procedure: string;
}

/**
 * Holds back a switch the members cannot make one at a time (their peers must all speak it at
 * once). Created on a stack whose pods run, it stops `up` before anything changes; on a new stack
 * no pod exists yet when it is created.
 */
export function allAtOnceGuard(
  name: string,
  s: AllAtOnceSwitch,
  members: readonly string[],
  access: Access | undefined,
  parent: pulumi.Resource,
): ChangeGuard {
  // Keys in the order the guards always registered them: a reordered input would show as a change.
  return new ChangeGuard(
    name,
    {
      setting: s.setting,
      value: s.value,
      members: [...members],
      access,
      stoppedToCreate: true,
      risk: s.risk,
      procedure: s.procedure,
    },
    { parent },
  );
}
