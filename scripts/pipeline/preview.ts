// npm run preview -- --stack <name> [--output file.md]
// `pulumi preview` with the policy pack; prints (or writes) its markdown summary, the one the pull
// request gets for this stack (see .github/actions/preview).
// Exits 1 when the preview fails or a mandatory policy is violated.
import * as fs from "fs";
import { runMain } from "./cli";
import { POLICY_PACK, pulumi, pulumiEnv, stackArgs, stackOptions } from "./pulumi-cli";
import { diffLines, parseEventLog, renderPreview } from "./preview-summary";

async function main(): Promise<void> {
  const usage = "npm run preview -- --stack <dev|staging|prod|local> [--output file.md]";
  const { stack, output } = stackOptions(usage, ["output"]);
  // The engine's events, streamed as JSON lines: what changes, each policy result, each error.
  const env = { ...pulumiEnv(), PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" };
  const r = await pulumi(["preview", ...stackArgs(stack), "--policy-pack", POLICY_PACK, "--json"], env, false);
  const events = parseEventLog(r.stdout);
  const diff = diffLines(events);
  process.stderr.write(diff);
  const summary = renderPreview(stack, events, diff, r.code === 0);
  if (output) fs.writeFileSync(output, summary.markdown);
  else process.stdout.write(`\n${summary.markdown}`);
  process.exit(r.code === 0 && summary.mandatoryViolations === 0 ? 0 : 1);
}

runMain(main);
