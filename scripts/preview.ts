// npm run preview -- --stack <name> [--output file.md]
// `pulumi preview` with the policy pack; prints (or writes) the markdown summary the PR shows.
// Exits 1 when the preview fails or a mandatory policy is violated.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { POLICY_PACK, argOf, pulumi, requireStack, stackArgs } from "./pulumi-cli";
import { parseEventLog, renderPreview } from "./preview-summary";

async function main(): Promise<void> {
  const stack = requireStack();
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "preview-")), "events.jsonl");
  const r = await pulumi(["preview", ...stackArgs(stack), "--policy-pack", POLICY_PACK, "--diff", "--event-log", log]);
  const events = fs.existsSync(log) ? parseEventLog(fs.readFileSync(log, "utf8")) : [];
  const summary = renderPreview(stack, events, r.stdout, r.code === 0);
  const out = argOf("output");
  if (out) fs.writeFileSync(out, summary.markdown);
  else process.stdout.write(`\n${summary.markdown}`);
  process.exit(r.code === 0 && summary.mandatoryViolations === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(2);
});
