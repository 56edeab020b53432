// npm run preview -- --stack <name> [--output file.md]
// `pulumi preview` with the policy pack; prints (or writes) the markdown summary the PR shows.
// Exits 1 when the preview fails or a mandatory policy is violated.
import * as fs from "fs";
import { POLICY_PACK, argOf, pulumi, pulumiEnv, requireStack, stackArgs } from "./pulumi-cli";
import { diffLines, parseEventLog, renderPreview } from "./preview-summary";

async function main(): Promise<void> {
  const stack = requireStack();
  // The engine's events, streamed as JSON lines: what changes, each policy result, each error.
  const env = { ...pulumiEnv(), PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" };
  const r = await pulumi(["preview", ...stackArgs(stack), "--policy-pack", POLICY_PACK, "--json"], env, false);
  const events = parseEventLog(r.stdout);
  const diff = diffLines(events);
  process.stderr.write(diff);
  const summary = renderPreview(stack, events, diff, r.code === 0);
  const out = argOf("output");
  if (out) fs.writeFileSync(out, summary.markdown);
  else process.stdout.write(`\n${summary.markdown}`);
  process.exit(r.code === 0 && summary.mandatoryViolations === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(2);
});
