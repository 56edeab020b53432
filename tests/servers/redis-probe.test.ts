// The image's probe script (images/redis/redis-probe) against a real redis-server: liveness must
// tell a server that is busy from one that is stuck, or the kubelet kills a working master.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_CLIENT_ACL } from "../../components/specs/redis-acl";
import { RedisMode } from "../../components/specs/redis-conf";
import { run, waitFor } from "../support/processes";
import { connectRedis } from "../support/redis";
import { CLIENT, CLIENT_PASSWORD, RedisServers } from "../support/redis-servers";
import { ROOT } from "../support/stack-files";

const PROBE = path.join(ROOT, "images", "redis", "redis-probe");

describe("redis-probe on a real redis-server", function () {
  this.timeout(60_000);
  const fleet = new RedisServers();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
  after(async () => {
    await fleet.stopAll();
    fs.rmSync(runDir, { recursive: true, force: true });
  });

  it("keeps a server running a long script alive (BUSY) but not ready", async () => {
    const [server] = await fleet.add(1, {
      product: {
        mode: RedisMode.Standalone,
        maxmemory: "64mb",
        appendfsync: "everysec",
        clientAcl: DEFAULT_CLIENT_ACL,
      },
      extraConfig: ["busy-reply-threshold 500"],
    });
    // What the entrypoint leaves for the probe: the user and password it checks with.
    fs.writeFileSync(path.join(runDir, "probe-auth"), `default\n${CLIENT_PASSWORD}\n`, { mode: 0o600 });
    const probe = (check: string) =>
      run(PROBE, [check, String(server.port)], { env: { ...process.env, RUN_DIR: runDir } });
    assert.strictEqual((await probe("live")).code, 0, "an idle server is alive");

    // A script that loops until killed: past busy-reply-threshold every other command gets BUSY.
    const admin = await server.admin();
    const busy = await connectRedis(server.port, CLIENT);
    const looping = busy.eval("while true do end", 0).catch((e: Error) => e);
    try {
      await waitFor("the server to answer BUSY", 10_000, async () =>
        (
          await run("redis-cli", [
            "-p",
            String(server.port),
            "--no-auth-warning",
            "--user",
            "default",
            "--pass",
            CLIENT_PASSWORD,
            "ping",
          ])
        ).stdout.startsWith("BUSY")
          ? true
          : undefined,
      );
      // Before the fix liveness failed here, and three failures in a row restart the container.
      assert.strictEqual((await probe("live")).code, 0, "busy is alive");
      assert.notStrictEqual((await probe("ready")).code, 0, "busy is not ready for clients");
    } finally {
      await admin.call("SCRIPT", "KILL").catch(() => undefined);
      await looping;
      busy.disconnect();
      admin.disconnect();
    }
  });
});
