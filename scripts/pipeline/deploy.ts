// npm run deploy -- --stack <name> [--diff] [-v|--verbose]
// `pulumi up` with the policy pack (the health assertions run inside it), then verify. Shows the
// compact view (a line per finished step, failures and why, the totals); --diff shows the CLI's
// own output with every property diff instead, -v also lists the resources left unchanged.
import { runMain } from "./cli";
import { POLICY_PACK, pulumi, pulumiCompact, stackArgs, stackOptions, typeCheckedEnv, verify } from "./pulumi-cli";

async function main(): Promise<void> {
  const usage = "npm run deploy -- --stack <dev|staging|prod|local> [--diff] [-v|--verbose]";
  const opts = stackOptions(usage, [], [{ name: "diff" }, { name: "verbose", short: "v" }]);
  const up = ["up", "--yes", ...stackArgs(opts.stack), "--policy-pack", POLICY_PACK];
  const env = typeCheckedEnv();
  const r = opts.diff
    ? await pulumi([...up, "--diff"], env)
    : await pulumiCompact(up, { env, verbose: !!opts.verbose });
  if (r.code !== 0) process.exit(r.code);
  process.exit(verify(opts.stack));
}

runMain(main);
