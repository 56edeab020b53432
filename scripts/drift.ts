// npm run drift -- --stack <name>
// Fails when live state differs from what Pulumi last deployed (refresh would change something).
import { pulumi, requireStack, stackArgs } from "./pulumi-cli";

async function main(): Promise<void> {
  const stack = requireStack();
  const r = await pulumi(["refresh", "--preview-only", "--expect-no-changes", ...stackArgs(stack), "--diff"]);
  if (r.code !== 0) console.error(`drift: stack ${stack} differs from its live state (or the refresh failed); see the diff above`);
  process.exit(r.code);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(2);
});
