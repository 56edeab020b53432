// scripts/install/docker-engine stop, on real processes: a stand-in daemon (a copy of sleep named dockerd,
// which is what pkill -x and /proc/<pid>/comm see) that the script did or did not start.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run, waitFor } from "../../../../harness/processes";
import { ROOT } from "../../../../harness/stack-files";

describe("scripts/install/docker-engine stop", function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docker-engine-"));
  const pidfile = path.join(dir, "dockerd.pid");
  const fake = path.join(dir, "dockerd");
  const children: ChildProcess[] = [];

  before(() => fs.copyFileSync("/bin/sleep", fake));
  after(() => {
    for (const c of children) c.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const startFake = async (): Promise<ChildProcess> => {
    const child = spawn(fake, ["120"], { stdio: "ignore" });
    children.push(child);
    await waitFor("the stand-in daemon", 5000, async () =>
      fs.readFileSync(`/proc/${child.pid}/comm`, "utf8").trim() === "dockerd" ? true : undefined,
    );
    return child;
  };
  const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
  const stop = () =>
    run(path.join(ROOT, "scripts", "install", "docker-engine"), ["stop"], {
      env: { ...process.env, DOCKERD_PIDFILE: pidfile },
    });

  it("leaves alone a Docker daemon it did not start (a user's own)", async () => {
    const theirs = await startFake();
    const r = await stop();
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /no Docker daemon started by this script is running; leaving any other alone/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(alive(theirs), "stop ended a dockerd it had not started");
  });

  it("stops the daemon whose PID it recorded at start, and only that one", async () => {
    const ours = await startFake();
    const theirs = await startFake();
    fs.writeFileSync(pidfile, `${ours.pid}\n`);
    const r = await stop();
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /docker-engine: stopped/);
    await waitFor("ours to exit", 5000, async () => (alive(ours) ? undefined : true));
    assert.ok(alive(theirs), "stop also ended another dockerd");
    assert.ok(!fs.existsSync(pidfile));
  });
});
