// npm run preview -- --stack <name> [--output file.md]
// `pulumi preview` with the policy pack; prints (or writes) the markdown summary the PR shows.
// Exits 1 when the preview fails or a mandatory policy is violated.
import * as fs from "fs";
import { options, runMain } from "./cli";
import { POLICY_PACK, pulumi, pulumiEnv, requireStack, stackArgs } from "./pulumi-cli";
import { diffLines, parseEventLog, renderPreview } from "./preview-summary";

async function main(): Promise<void> {
  const usage = "npm run preview -- --stack <dev|staging|prod|local> [--output file.md]";
  const opts = options(usage, ["stack", "output"]);
  const stack = requireStack(opts.stack, usage);
  // The engine's events, streamed as JSON lines: what changes, each policy result, each error.
  const env = { ...pulumiEnv(), PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" };
  const r = await pulumi(["preview", ...stackArgs(stack), "--policy-pack", POLICY_PACK, "--json"], env, false);
  const events = parseEventLog(r.stdout);
  const diff = diffLines(events);
  process.stderr.write(diff);
  const summary = renderPreview(stack, events, diff, r.code === 0);
  const out = opts.output;
  if (out) fs.writeFileSync(out, summary.markdown);
  else process.stdout.write(`\n${summary.markdown}`);
  process.exit(r.code === 0 && summary.mandatoryViolations === 0 ? 0 : 1);
}

runMain(main);
