import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { Registered, promiseOf, resetRegistered, setMocks, settled } from "./mocks";
import { ROOT, TEST_SECRETS } from "./stack-files";

export interface ProgramRun {
  readonly outputs: Record<string, unknown>;
  readonly resources: Registered[];
}

/**
 * Runs index.ts under mocks with the given stack config, as the engine would: structured values
 * as JSON text, secrets listed in PULUMI_CONFIG_SECRET_KEYS.
 */
export async function runProgram(
  stack: string,
  config: Record<string, unknown>,
  secrets: Record<string, string> = TEST_SECRETS,
): Promise<ProgramRun> {
  resetRegistered();
  await setMocks(stack);
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...config, ...secrets }))
    all[`middleware:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(
    all,
    Object.keys(secrets).map((k) => `middleware:${k}`),
  );
  const entry = require.resolve(path.join(ROOT, "index.ts"));
  delete require.cache[entry];
  // Loaded again for every run: the program registers its resources as a side effect of loading.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(entry) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mod)) outputs[k] = await promiseOf(pulumi.output(v));
  return { outputs, resources: [...(await settled())] };
}
