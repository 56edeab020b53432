// The Redis Cluster as the product configures it with TLS (components/redis/redis-conf.ts), on real
// redis-server processes: the cluster-init provider forms it and the health assertion passes over
// TLS, and a process without a certificate of the workload's authority gets nowhere, neither on
// the client port, nor the cluster bus (the takeover of issue #25: CLUSTER MEET, then FAILOVER
// TAKEOVER from a replica of its own), nor a replication link, even holding the passwords.
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as tls from "tls";
import Redis from "ioredis";
import { RedisClusterInitProvider } from "../../components/redis/cluster/redis-cluster-init";
import { assertClusterHealthy } from "../../components/redis/cluster/redis-cluster-health-logic";
import { tlsOptions } from "../../components/provider-kit/client-tls";

import { RedisConfArgs, RedisMode } from "../../components/redis/redis-conf";
import { run } from "../../harness/processes";
import { AUTH_FILES } from "../../harness/redis-auth";
import {
  ADMIN,
  ADMIN_PASSWORD,
  CLIENT,
  CLIENT_PASSWORD,
  RedisServer,
  RedisServers,
  waitUntil,
} from "../../harness/redis-servers";
import { TestAuthority, TlsFiles, redisCliTls } from "../../harness/tls";
import { DEFAULT_CLIENT_ACL } from "../../components/config/defaults";

const PRODUCT: RedisConfArgs = {
  mode: RedisMode.Cluster,
  maxmemory: "64mb",
  appendfsync: "everysec",
  clusterNodeTimeoutMs: 2000,
  clientAcl: DEFAULT_CLIENT_ACL,
  tls: { plaintextPort: false },
};

/** CLUSTER NODES of a server, as lines. */
async function clusterNodes(server: RedisServer): Promise<string[]> {
  const c = await server.admin();
  try {
    return String(await c.call("CLUSTER", "NODES"))
      .trim()
      .split("\n");
  } finally {
    c.disconnect();
  }
}

async function myId(server: RedisServer): Promise<string> {
  const c = await server.admin();
  try {
    return String(await c.call("CLUSTER", "MYID"));
  } finally {
    c.disconnect();
  }
}

/** Whether a TLS handshake with 127.0.0.1:port, presenting `client` (or nothing), completes and the server answers PING. */
function answersPing(port: number, client?: TlsFiles, trust?: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ca: trust,
      ...(client ? { cert: client.pem.cert, key: client.pem.key } : {}),
      rejectUnauthorized: false,
    });
    let reply = "";
    socket.setTimeout(5000, () => socket.destroy());
    socket.on("secureConnect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => (reply += d.toString()));
    socket.on("error", (e) => (reply ||= `error: ${e.message}`));
    socket.on("close", () => resolve(reply || "closed"));
  });
}

describe("Redis Cluster over TLS with mutual authentication, on real processes", function () {
  this.timeout(180_000);
  const fleet = new RedisServers();
  const authority = new TestAuthority("redis-cluster");
  const foreign = new TestAuthority("another workload");
  let member: TlsFiles;
  let deployer: TlsFiles;
  let servers: RedisServer[];

  before(async () => {
    member = authority.issue("redis-cluster member");
    deployer = authority.issue("redis-cluster deployer");
    servers = await fleet.add(6, { cluster: true, product: PRODUCT, tls: member });
    await new RedisClusterInitProvider().create({
      nodes: servers.map((s) => s.endpoint),
      replicasPerMaster: 1,
      ...ADMIN,
      tls: deployer.pem,
    });
  });
  after(async () => {
    await fleet.stopAll();
    authority.remove();
    foreign.remove();
  });

  it("is formed by the cluster-init provider and passes the health assertion and redis-cli --cluster check over TLS", async () => {
    const report = await assertClusterHealthy({
      nodes: servers.map((s) => s.endpoint),
      expectedMasters: 3,
      replicasPerMaster: 1,
      password: CLIENT_PASSWORD,
      tls: deployer.pem,
      minValidDays: 7,
    });
    assert.strictEqual(report.state, "ok");
    assert.strictEqual(report.keysVerified, 3);
    const check = await run(
      "redis-cli",
      [...redisCliTls(deployer), "--no-auth-warning", "--user", "admin", "--cluster", "check", servers[0].endpoint],
      { env: { ...process.env, REDISCLI_AUTH: ADMIN_PASSWORD }, timeout: 20_000 },
    );
    assert.match(check.stdout, /\[OK\] All 16384 slots covered/, check.stdout + check.stderr);
  });

  it("fails the health assertion while a node serves a certificate within tls.minValidDays of expiry", async () => {
    await assert.rejects(
      assertClusterHealthy({
        nodes: servers.map((s) => s.endpoint),
        expectedMasters: 3,
        replicasPerMaster: 1,
        password: CLIENT_PASSWORD,
        tls: deployer.pem,
        // The members' certificates are valid for 30 days.
        minValidDays: 31,
      }),
      (e: Error) => /serves a certificate that expires on .* within tls\.minValidDays \(31\)/.test(e.message),
    );
  });

  it("refuses a client on the client port without a certificate of its authority, whatever password it holds", async () => {
    const port = servers[0].port;
    // Plain text on the TLS port: no answer.
    const plain = new Redis({
      port,
      host: "127.0.0.1",
      ...ADMIN,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      connectTimeout: 3000,
    });
    plain.on("error", () => undefined);
    await assert.rejects(plain.connect().then(() => plain.ping()));
    plain.disconnect();
    // TLS without a certificate, and with another authority's: the handshake is refused before any command.
    assert.doesNotMatch(await answersPing(port), /PONG|NOAUTH/);
    assert.doesNotMatch(await answersPing(port, foreign.issue()), /PONG|NOAUTH/);
    // The control: this authority's certificate gets an answer (NOAUTH: no password sent).
    assert.match(await answersPing(port, member, authority.ca.certPem), /NOAUTH/);
    // And the deployer's ioredis options with the right certificate work.
    const ok = new Redis({ port, host: "127.0.0.1", ...CLIENT, tls: tlsOptions(deployer.pem), lazyConnect: true });
    await ok.connect();
    assert.strictEqual(await ok.ping(), "PONG");
    ok.disconnect();
  });

  for (const [what, opts] of [
    ["no certificate (plain-text bus)", () => ({ cluster: true })],
    ["another authority's certificate", () => ({ cluster: true, product: PRODUCT, tls: foreign.issue() })],
  ] as const) {
    it(`keeps a node with ${what} out of the cluster bus: CLUSTER MEET gets it nowhere`, async () => {
      const [intruder] = await fleet.add(1, opts());
      const victim = servers[0];
      const intruderId = await myId(intruder);
      const meet = await intruder.admin();
      assert.strictEqual(await meet.call("CLUSTER", "MEET", "127.0.0.1", String(victim.port)), "OK");
      meet.disconnect();
      // The intruder drops the node it could not finish a handshake with after its handshake
      // timeout; a handshake that succeeded would instead leave the victim in its table for good.
      await waitUntil("the intruder's handshake with the victim to end", 30_000, async () => {
        const nodes = await clusterNodes(intruder);
        return !nodes.some((l) => / handshake/.test(l));
      });
      for (const s of servers) {
        const nodes = await clusterNodes(s);
        assert.ok(
          !nodes.some((l) => l.startsWith(intruderId)),
          `${s.endpoint} lists the intruder:\n${nodes.join("\n")}`,
        );
        assert.strictEqual(nodes.length, 6, `${s.endpoint} knows exactly the six members`);
      }
      await intruder.kill();
    });
  }

  it("keeps a replica with no certificate, or another authority's, from syncing a master, though it holds the replication password", async () => {
    const master = servers[0];
    const replication = AUTH_FILES["replication-password"];
    const auth = ["masteruser replication", `masterauth ${replication}`, "loglevel notice"];
    const plain = (await fleet.add(1, { extraConfig: [...auth, `replicaof 127.0.0.1 ${master.port}`] }))[0];
    const foreignTls = foreign.issue();
    const other = (
      await fleet.add(1, {
        product: { ...PRODUCT, mode: RedisMode.Standalone },
        tls: foreignTls,
        extraConfig: [...auth, `replicaof 127.0.0.1 ${master.port}`],
      })
    )[0];
    for (const replica of [plain, other]) {
      const log = path.join(replica.dir, "redis.log");
      // Each tried, and its attempt ended in an error, not a sync.
      await waitUntil(`${replica.endpoint} to fail a sync attempt`, 30_000, async () =>
        /Error condition on socket for SYNC|Error reply to PING|Unable to connect to MASTER|Master did not respond|Error while reading|Connection reset|SSL/i.test(
          fs.readFileSync(log, "utf8"),
        ),
      );
      const c = await replica.admin();
      const info = String(await c.call("INFO", "replication"));
      c.disconnect();
      assert.match(info, /master_link_status:down/, `${replica.endpoint}:\n${info}`);
      assert.doesNotMatch(fs.readFileSync(log, "utf8"), /MASTER <-> REPLICA sync: Finished with success/);
    }
    const m = await master.admin();
    const info = String(await m.call("INFO", "replication"));
    m.disconnect();
    for (const r of [plain, other])
      assert.ok(!info.includes(`port=${r.port},`), `the master lists ${r.endpoint} as its replica:\n${info}`);
    await Promise.all([plain.kill(), other.kill()]);
  });

  it("shares the server's TCP listener with nothing plain: the bus and the client port both demand TLS", async () => {
    for (const port of [servers[1].port, servers[1].port + 10000]) {
      const reply = await new Promise<string>((resolve) => {
        const s = net.connect({ host: "127.0.0.1", port }, () => s.write("PING\r\n"));
        let got = "";
        s.setTimeout(3000, () => s.destroy());
        s.on("data", (d) => (got += d.toString()));
        s.on("error", () => undefined);
        s.on("close", () => resolve(got));
      });
      assert.doesNotMatch(reply, /PONG|NOAUTH|ERR/, `port ${port} answered plain text`);
    }
  });
});
