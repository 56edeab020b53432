import * as path from "path";
import { registered, settled } from "./mocks";
import { ROOT } from "./stack-files";

/** The serialized provider of the last registered dynamic resource named `name` (what the engine stores). */
export async function serializedProvider(name: string): Promise<string> {
  await settled();
  const r = registered.find((x) => x.type === "pulumi-nodejs:dynamic:Resource" && x.name === name);
  if (!r) throw new Error(`no dynamic resource ${name} was registered`);
  return r.inputs.__provider as string;
}

/** Loads a serialized provider exactly as the engine's dynamic-provider host does. */
export function loadSerialized(text: string): Record<string, (...a: unknown[]) => Promise<unknown>> {
  // The engine's own loader, resolved where @pulumi/pulumi finds it (it is not our dependency).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFromString = require(
    require.resolve("require-from-string", { paths: [path.join(ROOT, "node_modules/@pulumi/pulumi")] }),
  );
  return requireFromString(text).handler();
}
