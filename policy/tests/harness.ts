// Runs policies the way the analyzer does, on validation args built for real resource types.
import { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export interface TestResource {
  readonly type: string;
  readonly props: Record<string, any>;
  readonly name?: string;
}

function base(r: TestResource, i: number, config: object) {
  const name = r.name ?? r.props.metadata?.name ?? `r${i}`;
  return {
    type: r.type,
    props: r.props,
    name,
    urn: `urn:pulumi:test::middleware::${r.type}::${name}`,
    opts: {} as any,
    stackTags: new Map<string, string>(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T>() => config as T,
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
    dependencies: [],
    propertyDependencies: {},
  };
}

export async function violations(
  policy: Policy,
  resources: readonly TestResource[],
  config: object = {},
): Promise<string[]> {
  const out: string[] = [];
  const report = (message: string) => out.push(message);
  const rp = policy as ResourceValidationPolicy;
  const sp = policy as StackValidationPolicy;
  if (rp.validateResource) {
    const validators = Array.isArray(rp.validateResource) ? rp.validateResource : [rp.validateResource];
    for (const [i, r] of resources.entries()) for (const v of validators) await v(base(r, i, config) as any, report);
  }
  if (sp.validateStack)
    await sp.validateStack(
      {
        resources: resources.map((r, i) => base(r, i, config)) as any,
        getConfig: <T>() => config as T,
        stackTags: new Map(),
      } as any,
      report,
    );
  return out;
}
