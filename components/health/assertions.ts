// The post-deploy assertions: one table of what each runs, used by the health resources and by
// `npm run verify` (stack/verification-plan.ts), and the one provider and resource they all are.
import * as pulumi from "@pulumi/pulumi";
import type { Access } from "../provider-kit/reach";
import {
  PostDeployArgs,
  CredentialArgs,
  diffOf,
  loadLogic,
  logicName,
  retrying,
  stableId,
  withSecretPassword,
  withoutSecrets,
} from "../provider-kit/provider-kit";
import type { AsyncExport, LogicFile } from "../provider-kit/logic-modules";

/** One assertion: the logic module that runs it and what makes it run again. */
export interface AssertionSpec {
  /** What it asserts the health of, as `verify` reports it. */
  readonly title: string;
  /** Logic module beside this file, and the check it exports (checked by spec()). */
  readonly logicFile: LogicFile;
  readonly assertion: string;
  /** Inputs whose change makes it run again (besides `trigger`). */
  readonly watched: readonly string[];
  /** The input holding the endpoint, or list of endpoints, the check connects to. */
  readonly endpointsKey: string;
}

/** An assertion spec whose `assertion` tsc checks against what its `logicFile` exports. */
function spec<const F extends LogicFile>(
  s: Omit<AssertionSpec, "logicFile" | "assertion"> & { readonly logicFile: F; readonly assertion: AsyncExport<F> },
): AssertionSpec {
  return s;
}

/** Runs the check an assertion names, from its logic module. */
export function runAssertion(s: AssertionSpec, inputs: unknown): Promise<unknown> {
  // The link was checked where the spec was written (spec()); here the module is just loaded.
  const logic = loadLogic(s.logicFile) as unknown as Record<string, (i: unknown) => Promise<unknown>>;
  return logic[s.assertion](inputs);
}

export const Assertion = {
  ZooKeeper: spec({
    title: "ZooKeeper",
    logicFile: "zookeeper/zookeeper-health-logic",
    assertion: "assertZooKeeperHealthy",
    watched: ["servers", "expectedSize", "clientUser", "access"],
    endpointsKey: "servers",
  }),
  RedisStandalone: spec({
    title: "Redis",
    logicFile: "redis/redis-standalone-health-logic",
    assertion: "assertStandaloneHealthy",
    watched: ["endpoint", "username", "access"],
    endpointsKey: "endpoint",
  }),
  RedisCluster: spec({
    title: "Redis Cluster",
    logicFile: "redis/cluster/redis-cluster-health-logic",
    assertion: "assertClusterHealthy",
    watched: ["nodes", "expectedMasters", "replicasPerMaster", "username", "access"],
    endpointsKey: "nodes",
  }),
  RedisSentinel: spec({
    title: "Redis Sentinel",
    logicFile: "redis/sentinel/redis-sentinel-health-logic",
    assertion: "assertSentinelHealthy",
    watched: ["sentinels", "masterName", "expectedReplicas", "username", "access"],
    endpointsKey: "sentinels",
  }),
} as const satisfies Record<string, AssertionSpec>;
export type Assertion = keyof typeof Assertion;

/** The endpoints an assertion's inputs name, one or a list. */
export function endpointsOf(spec: AssertionSpec, inputs: Record<string, unknown>): string[] {
  return [inputs[spec.endpointsKey] as string | string[]].flat();
}

/** Args of an assertion resource. */
export interface AssertionArgs extends PostDeployArgs {
  /** How long a failing check is retried before the deployment fails. Defaults to 0. */
  readonly retryForMs?: pulumi.Input<number>;
  /** With TLS: fail while a member serves a certificate expiring within this many days. Defaults to no check. */
  readonly minValidDays?: pulumi.Input<number>;
}

export interface AssertionInputs {
  readonly password?: string;
  readonly access?: Access;
  /** Keep retrying a failing assertion this long before failing the deployment. Defaults to 0. */
  readonly retryForMs?: number;
  /** Changes when anything the assertion watches changes (image, config, replicas). */
  readonly trigger?: string;
}

/**
 * A provider whose resource is an assertion: create and update run the named check from a
 * logic module and record its report; a failing check fails the deployment with its message.
 */
export class AssertionProvider<I extends AssertionInputs> implements pulumi.dynamic.ResourceProvider {
  constructor(private readonly spec: AssertionSpec) {}

  private async run(inputs: I): Promise<Record<string, unknown>> {
    // Outside the retries: an access that cannot work from this machine fails now, with its fix.
    await loadLogic("provider-kit/reach").checkAccess(
      inputs.access,
      endpointsOf(this.spec, inputs as Record<string, unknown>),
    );
    const report = await retrying(inputs.retryForMs ?? 0, () => runAssertion(this.spec, inputs));
    return { ...withoutSecrets(inputs), report };
  }

  async create(inputs: I): Promise<pulumi.dynamic.CreateResult> {
    const watched = Object.fromEntries(this.spec.watched.map((k) => [k, (inputs as Record<string, unknown>)[k]]));
    return { id: stableId(logicName(this.spec.logicFile), watched), outs: await this.run(inputs) };
  }

  async diff(_id: string, olds: Record<string, unknown>, news: I): Promise<pulumi.dynamic.DiffResult> {
    return diffOf(olds, news as unknown as Record<string, unknown>, [...this.spec.watched, "trigger"]);
  }

  async update(_id: string, _olds: unknown, news: I): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: await this.run(news) };
  }

  async delete(): Promise<void> {
    // Intentionally nothing: an assertion owns no state.
  }
}

/** An assertion as a resource: its report is the only output, the password a secret input. */
export abstract class AssertionResource<Report> extends pulumi.dynamic.Resource {
  declare public readonly report: pulumi.Output<Report>;

  protected constructor(
    provider: AssertionProvider<AssertionInputs>,
    name: string,
    args: AssertionArgs & CredentialArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(provider, name, { ...withSecretPassword(args), report: undefined }, opts);
  }
}
