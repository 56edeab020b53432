// npm run drift -- --stack <name>
// Fails when a live object no longer matches what the stack declares (someone ran kubectl by hand,
// a PV was edited, ...): refresh, then preview, in memory only. A bare `refresh --expect-no-changes`
// would also fail on status the cluster itself moves on (a PV going Bound, a Job finishing).
// Then every health assertion again (`verify`): the assertions run in `up` only when what the pods
// run changes, so a system that degraded since the last deploy (a member lost, a replica gone)
// shows no diff at all; the scheduled job must still go red for it.
import { runMain } from "./cli";
import { pulumi, stackArgs, stackOptions, verify } from "./pulumi-cli";

async function main(): Promise<void> {
  const { stack } = stackOptions("npm run drift -- --stack <dev|staging|prod|local>");
  const r = await pulumi(["preview", "--refresh", "--expect-no-changes", ...stackArgs(stack), "--diff"]);
  if (r.code !== 0) {
    console.error(`drift: stack ${stack} differs from its live state (or the refresh failed); see the diff above`);
    process.exit(r.code);
  }
  const healthy = verify(stack);
  if (healthy !== 0) console.error(`drift: stack ${stack} matches its declaration but is not healthy; see above`);
  process.exit(healthy);
}

runMain(main);
