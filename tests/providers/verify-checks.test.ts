import * as assert from "assert";
import { runChecks } from "../../scripts/pipeline/verify";
import { freePort } from "../../harness/processes";
import { CLIENT, RedisServers } from "../../harness/redis-servers";

describe("verify's check runner (real redis-server)", function () {
  this.timeout(30000);
  const fleet = new RedisServers();
  after(() => fleet.stopAll());

  it("reports each assertion and fails when one fails", async () => {
    const [server] = await fleet.add(1);
    const dead = `127.0.0.1:${await freePort()}`;
    const lines: string[] = [];
    const ok = await runChecks(
      [
        {
          name: "Redis",
          assertion: "RedisStandalone",
          inputs: { endpoint: server.endpoint, ...CLIENT },
        },
        {
          name: "Redis (gone)",
          assertion: "RedisStandalone",
          inputs: { endpoint: dead, ...CLIENT },
        },
      ],
      (l) => lines.push(l),
    );
    assert.strictEqual(ok, false);
    assert.match(lines[0], /^ok {4}Redis \(\d+ ms\): \{"appendonly":"yes","role":"master"\}$/);
    assert.match(
      lines[1],
      new RegExp(`^FAIL  Redis \\(gone\\) \\(\\d+ ms\\): Redis is not healthy .*cannot reach ${dead}`, "s"),
    );
    assert.ok(!lines.join().includes(CLIENT.password));
  });
});
