// Benchmark (not a test): our cluster init vs `redis-cli --cluster create` on identical fresh
// loopback nodes, in one run, medians side by side. Usage:
//   npm run bench:cluster-init -- [--rounds 5] [--node-timeout 5000] [--tls]
// --tls: the nodes run the product's cluster config with TLS (the deployed path), both sides present
// a certificate of the nodes' authority.
import { assertClusterHealthy } from "../components/redis/cluster/redis-cluster-health-logic";
import { initCluster } from "../components/redis/cluster/redis-cluster-init-logic";
import { redisCliCreate } from "../harness/redis-cli";
import { ADMIN, CLIENT, RedisServerOptions, RedisServers } from "../harness/redis-servers";
import { TestAuthority, redisCliTls } from "../harness/tls";

import { RedisMode } from "../components/redis/redis-conf";
import Redis from "ioredis";
import { connectRedis } from "../harness/redis";
import { options } from "../scripts/pipeline/cli";
import { DEFAULT_CLIENT_ACL } from "../components/config/defaults";

const opts = options(
  "npm run bench:cluster-init -- [--rounds 5] [--node-timeout 5000] [--tls]",
  ["rounds", "node-timeout", "tls"],
  process.argv.slice(2),
  [{ name: "tls" }],
);
const rounds = Number(opts.rounds ?? 5);
const authority = opts.tls === "true" ? new TestAuthority("bench") : undefined;
const member = authority?.issue();
const nodeOptions = (): RedisServerOptions =>
  member
    ? {
        cluster: true,
        tls: member,
        product: {
          mode: RedisMode.Cluster,
          maxmemory: "64mb",
          appendfsync: "everysec",
          clusterNodeTimeoutMs: Number(opts["node-timeout"] ?? 5000),
          clientAcl: DEFAULT_CLIENT_ACL,
          tls: { plaintextPort: false },
        },
      }
    : { cluster: true, nodeTimeoutMs: Number(opts["node-timeout"] ?? 5000) };
const tlsAuth = member ? { tls: member.pem } : {};
const nodeTimeoutMs = Number(opts["node-timeout"] ?? 5000);
// Redis keeps a master that is in FAIL state from turning ok until 2 s after the server started
// (CLUSTER_WRITABLE_DELAY), so on just-started nodes nothing can finish sooner than that.
const WRITABLE_DELAY_MS = 2000;
// Once that has passed, a master that sees the others' slots before it can reach a majority of
// them counts as rejoining from a minority and waits min(cluster-node-timeout, 5 s) (rejoin delay).
const rejoinDelayMs = Math.max(500, Math.min(nodeTimeoutMs, 5000));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Polls already-connected clients until every node reports ok (connecting here would add time to one side only). */
async function allOk(clients: readonly Redis[]): Promise<void> {
  for (;;) {
    const states = await Promise.all(clients.map((c) => c.call("CLUSTER", "INFO")));
    if (states.every((s) => String(s).includes("cluster_state:ok"))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Time from the start of `form` until every node reports ok, and the floor for that round. */
async function timeToOk(
  form: (nodes: string[]) => Promise<unknown>,
  warm = false,
): Promise<{ ms: number; floor: number }> {
  const fleet = new RedisServers();
  try {
    const servers = await fleet.add(6, nodeOptions());
    // Warm: nodes up longer than the writable delay, as pods are by the time a deploy runs init.
    if (warm) await new Promise((r) => setTimeout(r, WRITABLE_DELAY_MS + 100));
    const monitors = await Promise.all(servers.map((s) => connectRedis(s.port, { ...ADMIN, ...s.tlsOption })));
    try {
      const t0 = performance.now();
      await form(servers.map((s) => s.endpoint));
      await allOk(monitors);
      const ms = performance.now() - t0;
      const writable = Math.max(0, Math.max(...servers.map((s) => s.startedAt)) + WRITABLE_DELAY_MS - t0);
      // Just-started masters wait out the writable delay; warm ones the rejoin delay (see above).
      return { ms, floor: warm ? rejoinDelayMs : writable };
    } finally {
      monitors.forEach((c) => c.disconnect());
    }
  } finally {
    await fleet.stopAll();
  }
}

const ours = (nodes: string[]) => initCluster({ nodes, replicasPerMaster: 1, ...ADMIN, ...tlsAuth });
const redisCli = (nodes: string[]) => redisCliCreate(nodes, 1, member ? redisCliTls(member) : []);

async function main(): Promise<void> {
  const oursMs: number[] = [];
  const cliMs: number[] = [];
  const floors: number[] = [];
  const record = (into: number[], r: { ms: number; floor: number }) => {
    into.push(r.ms);
    floors.push(r.floor);
  };
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so neither side always runs on a warmer machine.
    if (r % 2 === 0) {
      record(oursMs, await timeToOk(ours));
      record(cliMs, await timeToOk(redisCli));
    } else {
      record(cliMs, await timeToOk(redisCli));
      record(oursMs, await timeToOk(ours));
    }
  }
  const floorMs = median(floors);
  const warmOurs: number[] = [];
  const warmCli: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const [first, second] = r % 2 === 0 ? [ours, redisCli] : [redisCli, ours];
    const a = (await timeToOk(first, true)).ms;
    const b = (await timeToOk(second, true)).ms;
    warmOurs.push(first === ours ? a : b);
    warmCli.push(first === ours ? b : a);
  }
  const fleet = new RedisServers();
  const adoptMs: number[] = [];
  const healthMs: number[] = [];
  try {
    const nodes = (await fleet.add(6, nodeOptions())).map((s) => s.endpoint);
    await ours(nodes);
    for (let r = 0; r < rounds; r++) {
      let t0 = performance.now();
      const result = await initCluster({ nodes, replicasPerMaster: 1, ...ADMIN, ...tlsAuth });
      adoptMs.push(performance.now() - t0);
      if (result.action !== "adopted" || result.writes !== 0)
        throw new Error(`expected an adoption without writes, got ${result.action} with ${result.writes} writes`);
      t0 = performance.now();
      await assertClusterHealthy({ nodes, expectedMasters: 3, replicasPerMaster: 1, ...CLIENT, ...tlsAuth });
      healthMs.push(performance.now() - t0);
    }
  } finally {
    await fleet.stopAll();
  }
  const f = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  const oursMed = median(oursMs);
  const cliMed = median(cliMs);
  console.log(
    `cluster init benchmark: 6 loopback nodes${member ? " speaking TLS (the product's config)" : ""}, 3 masters + 3 replicas, cluster-node-timeout ${nodeTimeoutMs} ms, ${rounds} rounds, medians`,
  );
  console.log(`(a) fresh nodes -> every node cluster_state:ok`);
  console.log(`    ours                        ${f(oursMed)}   (rounds: ${oursMs.map(f).join(", ")})`);
  console.log(`    redis-cli --cluster create  ${f(cliMed)}   (rounds: ${cliMs.map(f).join(", ")})`);
  console.log(
    `    floor                       ${f(floorMs)}   (Redis's 2 s writable delay after server start, less the time the nodes were already up)`,
  );
  console.log(
    `    ours / redis-cli = ${(oursMed / cliMed).toFixed(2)}   ours - floor = ${((oursMed - floorMs) / 1000).toFixed(3)} s   ` +
      `[${oursMed <= cliMed ? "ok" : "MISS"}: no slower than redis-cli] [${oursMed - floorMs <= 200 ? "ok" : "MISS"}: within 0.2 s of the floor]`,
  );
  const wo = median(warmOurs);
  const wc = median(warmCli);
  console.log(`(a') the same on warm nodes (up > 2 s, as pods are when a deploy reaches init)`);
  console.log(`    ours                        ${f(wo)}   (rounds: ${warmOurs.map(f).join(", ")})`);
  console.log(`    redis-cli --cluster create  ${f(wc)}   (rounds: ${warmCli.map(f).join(", ")})`);
  console.log(`    floor (Redis rejoin delay)  ${f(rejoinDelayMs)}   (min(cluster-node-timeout, 5 s))`);
  console.log(
    `    ours / redis-cli = ${(wo / wc).toFixed(2)}   ours - floor = ${((wo - rejoinDelayMs) / 1000).toFixed(3)} s   ` +
      `[${wo <= wc ? "ok" : "MISS"}: no slower than redis-cli] [${wo - rejoinDelayMs <= 200 ? "ok" : "MISS"}: within 0.2 s of the floor]`,
  );
  console.log(
    `(b) adopt an already formed cluster: ${f(median(adoptMs))}   [${median(adoptMs) < 100 ? "ok" : "MISS"}: target < 0.100 s]`,
  );
  console.log(
    `(c) one full health assertion:       ${f(median(healthMs))}   [${median(healthMs) < 250 ? "ok" : "MISS"}: target < 0.250 s]`,
  );
}

main().then(
  () => {
    authority?.remove();
    process.exit(0);
  },
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
