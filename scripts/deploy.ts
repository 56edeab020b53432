// npm run deploy -- --stack <name>
// `pulumi up` with the policy pack (the health assertions run inside it), then verify.
import { runMain } from "./cli";
import { POLICY_PACK, pulumi, stackArgs, stackOptions } from "./pulumi-cli";
import { spawnSync } from "child_process";

async function main(): Promise<void> {
  const { stack } = stackOptions("npm run deploy -- --stack <dev|staging|prod|local>");
  const up = await pulumi(["up", "--yes", ...stackArgs(stack), "--policy-pack", POLICY_PACK, "--diff"]);
  if (up.code !== 0) process.exit(up.code);
  const verify = spawnSync("npm", ["run", "--silent", "verify", "--", "--stack", stack], { stdio: "inherit" });
  process.exit(verify.status ?? 1);
}

runMain(main);
