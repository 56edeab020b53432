// The image's probe script (images/redis/redis-probe) against a real redis-server: liveness must
// tell a server that is busy from one that is stuck, or the kubelet kills a working master.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RedisMode } from "../../components/redis/redis-conf";
import { freePort, run, waitFor } from "../../harness/processes";
import { AUTH_FILES } from "../../harness/redis-auth";
import { connectRedis } from "../../harness/redis";
import { CLIENT, CLIENT_PASSWORD, RedisServers } from "../../harness/redis-servers";
import { ROOT } from "../../harness/stack-files";
import { DEFAULT_CLIENT_ACL } from "../../components/config/defaults";
import { AuthFile } from "../../components/platform/auth-files";

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
        // A stack that lets its clients run scripts: the only way a client makes a server BUSY.
        clientScripting: true,
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

  it("keeps a replica unready until its link is up and its first sync done, so a roll never stops the next pod before", async () => {
    const product = {
      mode: RedisMode.Standalone,
      maxmemory: "64mb",
      appendfsync: "everysec",
      clientAcl: DEFAULT_CLIENT_ACL,
    } as const;
    const [master, replica] = await fleet.add(2, { product });
    // What the entrypoint leaves a data pod's probe: the replication user it was started with.
    fs.writeFileSync(path.join(runDir, "probe-auth"), `replication\n${AUTH_FILES[AuthFile.Replication]}\n`, {
      mode: 0o600,
    });
    const probe = (check: string) =>
      run(PROBE, [check, String(replica.port)], { env: { ...process.env, RUN_DIR: runDir } });
    const admin = await replica.admin();
    try {
      assert.strictEqual((await probe("ready")).code, 0, "a master is ready");
      await admin.call("REPLICAOF", "127.0.0.1", String(await freePort()));
      // Before the fix PING alone made it ready: the StatefulSet went on to stop the next pod, its master.
      assert.notStrictEqual((await probe("ready")).code, 0, "a replica whose master does not answer is not ready");
      assert.strictEqual((await probe("live")).code, 0, "but alive");
      await admin.call("REPLICAOF", "127.0.0.1", String(master.port));
      await waitFor("the replica ready once it is in sync", 20_000, async () =>
        (await probe("ready")).code === 0 ? true : undefined,
      );
      assert.match(String(await admin.call("INFO", "replication")), /master_link_status:up/);
    } finally {
      admin.disconnect();
    }
  });
});
