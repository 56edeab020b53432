// A guard created with stoppedToCreate (TLS switched on, components/tls/workload-tls.ts) against a
// real server: a stack deployed before the guard existed still runs its pods, and `up` must stop
// before anything changes; a new stack has no pod yet, and goes through.
import * as assert from "assert";
import { ChangeGuardProvider } from "../../components/platform/change-guard";
import { freePort } from "../../harness/processes";
import { RedisServers } from "../../harness/redis-servers";

const guard = (members: string[]) => ({
  setting: "tls",
  value: "on",
  members,
  stoppedToCreate: true,
  risk: "r",
  procedure: "TLS",
});

describe("a guard that needs the members stopped to be created (real processes)", function () {
  this.timeout(30_000);
  const fleet = new RedisServers();
  after(() => fleet.stopAll());

  it("refuses while a member still accepts connections, naming it and the fix", async () => {
    const [running] = await fleet.add(1);
    await assert.rejects(
      new ChangeGuardProvider().create(guard([running.endpoint])),
      new RegExp(
        `tls change stopped before anything changed: ${running.endpoint.replace(/\./g, "\\.")} still accepts connections\\. Scale the StatefulSet to 0`,
      ),
    );
  });

  it("is created when no member runs (a new stack: the pods come after it)", async () => {
    const { outs } = await new ChangeGuardProvider().create(guard([`127.0.0.1:${await freePort()}`]));
    assert.strictEqual(outs.value, "on");
  });
});
