// Runs policies the way the analyzer does, on validation args built for real resource types.
import { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/** The analyzer's own proxy and unknown sentinels: exported at run time, @internal in the typings. */
const analyzer: {
  UnknownValueError: new (...args: never[]) => Error;
  unknownCheckingProxy<T>(props: T): T;
  unknownStringValue: string;
  unknownNumberValue: string;
  unknownBooleanValue: string;
  unknownObjectValue: string;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require("@pulumi/policy/proxy");
const { UnknownValueError, unknownCheckingProxy, unknownStringValue, unknownNumberValue, unknownBooleanValue } =
  analyzer;
/** An object computed from an output, as a preview sees it. */
export const unknownObjectValue = analyzer.unknownObjectValue;

export interface TestResource {
  readonly type: string;
  readonly props: Record<string, any>;
  readonly name?: string;
}

function base(r: TestResource, i: number, config: object, preview = false) {
  const name = r.name ?? r.props.metadata?.name ?? `r${i}`;
  return {
    type: r.type,
    // As the analyzer hands props to a policy: behind the proxy that throws on an unknown value.
    props: preview ? unknownCheckingProxy(r.props) : r.props,
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

/**
 * What a policy reports on `resources`. With `preview`, props are behind the analyzer's proxy, and a
 * policy that reads an unknown value is skipped as the analyzer skips it (an advisory "can't run
 * during preview", never a violation).
 */
export async function violations(
  policy: Policy,
  resources: readonly TestResource[],
  config: object = {},
  preview = false,
): Promise<string[]> {
  const out: string[] = [];
  const report = (message: string) => out.push(message);
  const skippingUnknown = async (check: () => unknown) => {
    try {
      await check();
    } catch (e) {
      if (!(preview && e instanceof UnknownValueError)) throw e;
    }
  };
  const rp = policy as ResourceValidationPolicy;
  const sp = policy as StackValidationPolicy;
  if (rp.validateResource) {
    const validators = Array.isArray(rp.validateResource) ? rp.validateResource : [rp.validateResource];
    for (const [i, r] of resources.entries())
      for (const v of validators) await skippingUnknown(() => v(base(r, i, config, preview) as any, report));
  }
  if (sp.validateStack)
    await skippingUnknown(() =>
      sp.validateStack!(
        {
          resources: resources.map((r, i) => base(r, i, config, preview)) as any,
          getConfig: <T>() => config as T,
          stackTags: new Map(),
        } as any,
        report,
      ),
    );
  return out;
}

/** `value` with every string, number and boolean in it unknown, as a preview sees values computed from outputs. */
export function unknownLeaves(value: unknown): unknown {
  if (typeof value === "string") return unknownStringValue;
  if (typeof value === "number") return unknownNumberValue;
  if (typeof value === "boolean") return unknownBooleanValue;
  if (Array.isArray(value)) return value.map(unknownLeaves);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unknownLeaves(v)]));
  return value;
}
