import * as assert from "assert";
import { RedisStandaloneHealthProvider } from "../../components/redis/redis-standalone-health";
import { assertStandaloneHealthy } from "../../components/redis/redis-standalone-health-logic";
import { freePort } from "../../harness/processes";
import { connectRedis } from "../../harness/redis";
import { CLIENT, RedisServers } from "../../harness/redis-servers";

describe("RedisStandaloneHealthProvider (real redis-server)", function () {
  this.timeout(60000);
  const fleet = new RedisServers();
  after(() => fleet.stopAll());

  it("passes with AOF on, and the data is back after a crash and restart", async () => {
    const [server] = await fleet.add(1, { extraConfig: ["appendfsync always"] });
    const provider = new RedisStandaloneHealthProvider();
    const { outs } = await provider.create({ endpoint: server.endpoint, ...CLIENT });
    assert.deepStrictEqual(outs.report, { appendonly: "yes", role: "master" });
    const c = await connectRedis(server.port, CLIENT);
    await c.set("order:1", "paid");
    c.disconnect();
    await server.kill();
    await server.start();
    const back = await connectRedis(server.port, CLIENT);
    assert.strictEqual(await back.get("order:1"), "paid");
    back.disconnect();
    await provider.update("id", outs, { endpoint: server.endpoint, ...CLIENT });
  });

  it("fails when AOF is off: the data would not survive a restart", async () => {
    const [server] = await fleet.add(1, { extraConfig: ["appendonly no"] });
    await assert.rejects(assertStandaloneHealthy({ endpoint: server.endpoint, ...CLIENT }), /runs without appendonly/);
  });

  it("gives clear errors for a wrong password and an unreachable server, in bounded time", async () => {
    const [server] = await fleet.add(1);
    await assert.rejects(
      assertStandaloneHealthy({ endpoint: server.endpoint, password: "wrong-password-x" }),
      (e: Error) => {
        assert.match(e.message, /authentication to 127\.0\.0\.1:\d+ failed/);
        assert.ok(!e.message.includes("wrong-password-x"));
        return true;
      },
    );
    const dead = `127.0.0.1:${await freePort()}`;
    const t0 = Date.now();
    await assert.rejects(assertStandaloneHealthy({ endpoint: dead, ...CLIENT }), new RegExp(`cannot reach ${dead}`));
    assert.ok(Date.now() - t0 < 10000);
  });
});
