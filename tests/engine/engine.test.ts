// The real Pulumi engine (CLI, language host, dynamic-provider and policy plugins built by
// scripts/install/install-tools) running our dynamic providers against real servers, our program's config
// validation, and the policy pack.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { EngineWorkspace, requireEngine } from "../../harness/engine";
import { RedisServers } from "../../harness/redis-servers";
import { CLIENT_PASSWORD } from "../../harness/redis-servers";
import { ROOT } from "../../harness/stack-files";
import { waitFor } from "../../harness/processes";
import { ZooKeeperEnsembleProcess } from "../../harness/zookeeper-servers";
import { fourLetterWord } from "../../components/zookeeper/zookeeper-client";

const FIXTURE = path.join(ROOT, "tests", "engine", "fixtures", "standalone");
const GUARD_FIXTURE = path.join(ROOT, "tests", "engine", "fixtures", "change-guard");

describe("real Pulumi engine", function () {
  this.timeout(300000);
  const ws = new EngineWorkspace();
  const fleet = new RedisServers();
  before(requireEngine);
  after(async () => {
    await fleet.stopAll();
    ws.cleanup();
  });

  describe("a dynamic provider through `pulumi up`", () => {
    let endpoint: string;
    before(async () => {
      endpoint = (await fleet.add(1))[0].endpoint;
      for (const args of [
        ["stack", "init", "standalone"],
        ["config", "set", "endpoint", endpoint],
      ]) {
        const r = await ws.pulumi(FIXTURE, args);
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
      }
      // The secret arrives on stdin, never argv.
      const s = await ws.pulumi(FIXTURE, ["config", "set", "--secret", "password"], CLIENT_PASSWORD);
      assert.strictEqual(s.code, 0, s.stdout + s.stderr);
    });
    after(() => fs.rmSync(path.join(FIXTURE, "Pulumi.standalone.yaml"), { force: true }));

    it("asserts a real server on up, and a second up shows no changes", async () => {
      const up = await ws.pulumi(FIXTURE, ["up", "--yes"]);
      assert.strictEqual(up.code, 0, up.stdout + up.stderr);
      assert.match(up.stdout, /appendonly: "yes"/);
      const again = await ws.pulumi(FIXTURE, ["up", "--yes", "--expect-no-changes"]);
      assert.strictEqual(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /2 unchanged/);
    });

    it("runs the policy pack in previews", async () => {
      const r = await ws.pulumi(FIXTURE, ["preview", "--policy-pack", path.join(ROOT, "policy")]);
      assert.strictEqual(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Policies:\s+\S*\s*middleware@v0\.1\.0 \(local: /);
    });

    it("keeps the password out of the state in plaintext, and out of the stack file", async () => {
      const state = ws.stateText();
      assert.ok(state.length > 0);
      assert.ok(!state.includes(CLIENT_PASSWORD), "plaintext password in state");
      assert.match(
        state,
        /"password":\{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext":"v1:/,
      );
      assert.ok(!fs.readFileSync(path.join(FIXTURE, "Pulumi.standalone.yaml"), "utf8").includes(CLIENT_PASSWORD));
    });

    it("asserts again when what it watches changes, and fails the update when the server is gone", async () => {
      const set = await ws.pulumi(FIXTURE, ["config", "set", "trigger", "rev-2"]);
      assert.strictEqual(set.code, 0);
      const up = await ws.pulumi(FIXTURE, ["up", "--yes"]);
      assert.strictEqual(up.code, 0, up.stdout + up.stderr);
      assert.match(up.stdout, /~ 1 updated|1 updated/);
      await fleet.stopAll();
      await ws.pulumi(FIXTURE, ["config", "set", "trigger", "rev-3"]);
      const failed = await ws.pulumi(FIXTURE, ["up", "--yes"]);
      assert.notStrictEqual(failed.code, 0);
      assert.match(
        failed.stdout + failed.stderr,
        new RegExp(`Redis is not healthy \\(1 problem\\):[\\s\\S]*cannot reach ${endpoint.replace(/\./g, "\\.")}`),
      );
    });
  });

  describe("a change guard (the ZooKeeper member count) through `pulumi preview` and `pulumi up`", () => {
    const zk = new ZooKeeperEnsembleProcess(3);
    const set = async (...args: string[]) => {
      const r = await ws.pulumi(GUARD_FIXTURE, ["config", "set", ...args]);
      assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    };
    before(async () => {
      await zk.start();
      await waitFor(
        "every member to answer",
        60000,
        async () => {
          const replies = await Promise.all(zk.servers.map((s) => fourLetterWord(s, "srvr").catch(() => "")));
          return replies.every((r) => r.length > 0) || undefined;
        },
        250,
      );
      const init = await ws.pulumi(GUARD_FIXTURE, ["stack", "init", "resize"]);
      assert.strictEqual(init.code, 0, init.stdout + init.stderr);
      await set("replicas", "3");
      await set("servers", zk.servers.join(","));
      const up = await ws.pulumi(GUARD_FIXTURE, ["up", "--yes"]);
      assert.strictEqual(up.code, 0, up.stdout + up.stderr);
    });
    after(async () => {
      await zk.stop();
      fs.rmSync(path.join(GUARD_FIXTURE, "Pulumi.resize.yaml"), { force: true });
    });

    it("refuses a member-count change at preview, naming the procedure", async () => {
      await set("replicas", "5");
      const preview = await ws.pulumi(GUARD_FIXTURE, ["preview"]);
      assert.notStrictEqual(preview.code, 0, preview.stdout);
      const out = preview.stdout + preview.stderr;
      assert.match(
        out,
        /zookeeper\.replicas: changing "3" to "5" on a deployed stack is refused: members would roll one by one onto the new member list\./,
      );
      assert.match(
        out,
        /Do it with the pods stopped \(docs\/runbooks\.md, "Resizing the ZooKeeper ensemble"\), then set zookeeper\.resizeFrom to "3" and run up/,
      );
    });

    it("names a stale acknowledgement instead of taking it", async () => {
      await set("resizeFrom", "7");
      const preview = await ws.pulumi(GUARD_FIXTURE, ["preview"]);
      assert.notStrictEqual(preview.code, 0, preview.stdout);
      assert.match(
        preview.stdout + preview.stderr,
        /is refused \(zookeeper\.resizeFrom is "7", but the deployed value is "3"\)/,
      );
    });

    it("stops an acknowledged resize at up while a member still answers, and lets it through once all are stopped", async () => {
      await set("resizeFrom", "3");
      const refused = await ws.pulumi(GUARD_FIXTURE, ["up", "--yes"]);
      assert.notStrictEqual(refused.code, 0, refused.stdout);
      assert.ok(
        (refused.stdout + refused.stderr).includes(
          `zookeeper.replicas change stopped before anything changed: ${zk.servers.join(", ")} still accept connections`,
        ),
        refused.stdout + refused.stderr,
      );
      const recorded = await ws.pulumi(GUARD_FIXTURE, ["stack", "export"]);
      assert.match(recorded.stdout, /"value": "3"/, "the state still records 3 members");

      await Promise.all([0, 1, 2].map((i) => zk.killMember(i)));
      const up = await ws.pulumi(GUARD_FIXTURE, ["up", "--yes"]);
      assert.strictEqual(up.code, 0, up.stdout + up.stderr);
      assert.match(up.stdout, /1 updated/);
      const again = await ws.pulumi(GUARD_FIXTURE, ["preview", "--expect-no-changes"]);
      assert.strictEqual(again.code, 0, again.stdout + again.stderr);
    });
  });

  it("stops the real program on a broken stack file, naming each bad key, before registering any resource", async () => {
    const stack = `broken-${process.pid}`;
    const init = await ws.pulumi(ROOT, ["stack", "init", stack]);
    assert.strictEqual(init.code, 0, init.stdout + init.stderr);
    try {
      fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(ROOT, `Pulumi.${stack}.yaml`));
      await ws.pulumi(ROOT, ["config", "set", "--path", "zookeeper.replicas", "4"]);
      // A password set without --secret: the engine lists secret keys, so the program can tell.
      await ws.pulumi(ROOT, ["config", "set", "redisPassword"], "plaintext-password-1");
      const preview = await ws.pulumi(ROOT, ["preview", "--json"]);
      assert.notStrictEqual(preview.code, 0);
      const report: { steps?: { urn: string }[]; diagnostics?: { message: string }[] } = JSON.parse(preview.stdout);
      const out = `${(report.diagnostics ?? []).map((d) => d.message).join("\n")}\n${preview.stderr}`;
      assert.match(
        out,
        /middleware:zookeeper\.replicas[\s\S]*must be odd and >= 3 so a majority survives one loss \(got 4\)/,
      );
      assert.match(
        out,
        /middleware:redisPassword[\s\S]*is stored in plaintext: run `pulumi config set --secret redisPassword <value>`/,
      );
      assert.ok(!out.includes("plaintext-password-1"), "the value is never echoed");
      // Every resource the program registered before it stopped is a step of the preview (a
      // preview writes no state, so the stack's export would show nothing either way).
      assert.deepStrictEqual(
        (report.steps ?? []).map((st) => st.urn).filter((urn) => !urn.includes("::pulumi:pulumi:Stack::")),
        [],
        "no resource was registered",
      );
    } finally {
      fs.rmSync(path.join(ROOT, `Pulumi.${stack}.yaml`), { force: true });
      await ws.pulumi(ROOT, ["stack", "rm", "--yes", "--force", stack]);
    }
  });
});
