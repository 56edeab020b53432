// A provider serialized under mocks, then run the way the engine runs it: a plain node process
// (no ts-node preloaded) that loads the closure with require-from-string and asserts a real server.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RedisStandaloneHealth } from "../../components/redis/redis-standalone-health";
import { serializedProvider } from "../../harness/dynamic";
import { resetRegistered, setMocks } from "../../harness/mocks";
import { run } from "../../harness/processes";
import { CLIENT, RedisServers } from "../../harness/redis-servers";
import { ROOT } from "../../harness/stack-files";

describe("a serialized provider in a plain node process", function () {
  this.timeout(60000);
  const fleet = new RedisServers();
  after(() => fleet.stopAll());

  it("loads its logic and asserts a real redis-server", async () => {
    const [server] = await fleet.add(1);
    resetRegistered();
    await setMocks("unit");
    new RedisStandaloneHealth("standalone", { endpoint: server.endpoint, ...CLIENT });
    const text = await serializedProvider("standalone");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "provider-"));
    fs.writeFileSync(path.join(dir, "provider.js"), text);
    // The password reaches the child on stdin, as the engine passes inputs over gRPC, not argv.
    const script = `
      const requireFromString = require(require.resolve("require-from-string", { paths: [${JSON.stringify(path.join(ROOT, "node_modules/@pulumi/pulumi"))}] }));
      const provider = requireFromString(require("fs").readFileSync(${JSON.stringify(path.join(dir, "provider.js"))}, "utf8")).handler();
      let input = ""; process.stdin.on("data", (d) => (input += d)).on("end", () =>
        provider.create(JSON.parse(input)).then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e.message); process.exit(1); }));`;
    const r = await run("node", ["-e", script], {
      cwd: ROOT,
      input: JSON.stringify({ endpoint: server.endpoint, ...CLIENT }),
      env: { PATH: process.env.PATH },
    });
    assert.strictEqual(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.deepStrictEqual(result.outs.report, { appendonly: "yes", role: "master" });
    assert.ok(!r.stdout.includes(CLIENT.password), "the password is not in the provider's output");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
