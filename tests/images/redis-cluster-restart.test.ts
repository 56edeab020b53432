// A Redis Cluster of six real containers of the product image, each on a fixed address like a pod,
// speaking TLS as the product deploys it: when every node restarts at once with a new address
// (what a node reboot or a namespace restart does to the pods), the cluster finds itself again with
// no operator action and loses no key.
import * as assert from "assert";

import { RedisMode, redisConf } from "../../components/redis/redis-conf";
import {
  buildProductImage,
  cleanup,
  docker,
  execIn,
  filesDir,
  network,
  requireDockerEngine,
  runHardened,
} from "../../harness/docker";
import { run, waitFor } from "../../harness/processes";
import { ADMIN_PASSWORD, AUTH_FILES, CLIENT_PASSWORD, mountedAuth } from "../../harness/redis-auth";
import { redisServerSends } from "../../components/redis/redis-container";
import { TestAuthority } from "../../harness/tls";
import { tlsSecretFiles } from "../../components/tls/client-secret";
import { DEFAULT_CLIENT_ACL } from "../../components/config/defaults";

const KEYS = 300;

describe("images: Redis Cluster restarted at new addresses (real Docker engine)", function () {
  this.timeout(5 * 60 * 1000);
  const names = [0, 1, 2, 3, 4, 5].map((i) => `redis-cluster-${i}-${process.pid}`);
  // Named like a seventh pod the cluster has never met: it must stay out.
  const stranger = `redis-cluster-6-${process.pid}`;
  const peers = [...names, stranger].join(" ");
  let image = "";
  let net = "";
  let prefix = "";
  const text = redisConf({
    mode: RedisMode.Cluster,
    maxmemory: "64mb",
    appendfsync: "everysec",
    clientAcl: DEFAULT_CLIENT_ACL,
    clusterNodeTimeoutMs: 2000,
    tls: { plaintextPort: false },
  });
  const conf = filesDir({ "redis.conf": text });
  // What the <workload>-tls Secret holds: the pods' shared certificate and the workload's authority.
  const authority = new TestAuthority("redis-cluster");
  const tls = filesDir(tlsSecretFiles(authority.issue().pem));
  /** redis-cli inside a pod speaks TLS with the pod's certificate. */
  const TLS = ["--tls", "--cacert", "/etc/tls/ca.crt", "--cert", "/etc/tls/tls.crt", "--key", "/etc/tls/tls.key"];
  // What a cluster pod mounts: the passwords its scripts send, hashes of the ones it checks.
  const auth = filesDir(mountedAuth(text, redisServerSends(RedisMode.Cluster)));

  const start = (name: string, host: number) =>
    runHardened(
      image,
      name,
      net,
      { [auth]: "/etc/auth", [conf]: "/config", [tls]: "/etc/tls" },
      { REDIS_MODE: RedisMode.Cluster, POD_IP: `${prefix}.${host}`, CLUSTER_PEERS: peers, PEER_CHECK_SECONDS: "1" },
      ["--ip", `${prefix}.${host}`],
      `${name}-data-${process.pid}`,
    );
  const cli = async (container: string, user: string, password: string, ...args: string[]) =>
    (
      await run("docker", [
        "exec",
        "-e",
        `REDISCLI_AUTH=${password}`,
        container,
        "redis-cli",
        ...TLS,
        "--no-auth-warning",
        "--user",
        user,
        ...args,
      ])
    ).stdout.trim();
  const admin = (container: string, ...args: string[]) => cli(container, "admin", ADMIN_PASSWORD, ...args);
  const clusterOk = async () =>
    (await Promise.all(names.map((n) => admin(n, "CLUSTER", "INFO")))).every((i) => /cluster_state:ok/.test(i))
      ? true
      : undefined;
  const ready = (n: string) =>
    waitFor(
      `${n} ready`,
      30000,
      async () => ((await execIn(n, "redis-probe", "ready")).code === 0 ? true : undefined),
      200,
    );
  /** Every key's value through a cluster-aware client (-c follows MOVED), one line per key. */
  const readAll = () =>
    run("docker", [
      "exec",
      "-e",
      `REDISCLI_AUTH=${CLIENT_PASSWORD}`,
      names[0],
      "sh",
      "-c",
      `for i in $(seq ${KEYS}); do echo "GET key:$i"; done | redis-cli ${TLS.join(" ")} --no-auth-warning -c`,
    ]);

  const replicasLinked = async () => {
    const infos = await Promise.all(names.map((n) => admin(n, "INFO", "replication")));
    return infos.filter((i) => /role:slave/.test(i) && /master_link_status:up/.test(i)).length === 3 ? true : undefined;
  };

  before(async () => {
    await requireDockerEngine();
    image = await buildProductImage("redis");
    net = await network(`redis-cluster-test-${process.pid}`, true);
    const subnet = await docker("network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", net);
    prefix = subnet.replace(/\.\d+\/\d+$/, "");
    await Promise.all(names.map((n, i) => start(n, 10 + i)));
    await Promise.all(names.map(ready));
    const created = await run("docker", [
      "exec",
      "-e",
      `REDISCLI_AUTH=${ADMIN_PASSWORD}`,
      names[0],
      "redis-cli",
      ...TLS,
      "--no-auth-warning",
      "--user",
      "admin",
      "--cluster",
      "create",
      ...names.map((_, i) => `${prefix}.${10 + i}:6379`),
      "--cluster-replicas",
      "1",
      "--cluster-yes",
    ]);
    assert.strictEqual(created.code, 0, created.stdout + created.stderr);
    await waitFor("cluster_state:ok on every node", 30000, clusterOk, 500);
    const written = await run("docker", [
      "exec",
      "-e",
      `REDISCLI_AUTH=${CLIENT_PASSWORD}`,
      names[0],
      "sh",
      "-c",
      `for i in $(seq ${KEYS}); do echo "SET key:$i value:$i"; done | redis-cli ${TLS.join(" ")} --no-auth-warning -c`,
    ]);
    assert.strictEqual(
      written.stdout.split("\n").filter((l) => l.trim() === "OK").length,
      KEYS,
      written.stdout + written.stderr,
    );
    // Each replica has its master's keys before the stop (the AOF of a replica is what it replays).
    await waitFor("replicas in sync", 30000, replicasLinked, 500);
  });
  after(async () => {
    await cleanup();
    authority.remove();
  });

  it("forms again after every node restarts at once at a new address, with every key", async () => {
    await Promise.all(names.map((n) => docker("stop", n)));
    await Promise.all(names.map((n) => docker("rm", n)));
    await Promise.all(names.map((n, i) => start(n, 30 + i)));
    await start(stranger, 40);
    await Promise.all([...names, stranger].map(ready));
    const restarted = Date.now();
    await waitFor("cluster_state:ok on every node after the restart", 60000, clusterOk, 500);
    const ok = Date.now();
    // Every node sees exactly the six, each at its new address, none flagged failing.
    const atNewAddress = new RegExp(
      `^[0-9a-f]{40} ${prefix.replace(/\./g, "\\.")}\\.3[0-5]:6379@16379,redis-cluster-[0-5]-\\d+ (myself,)?(master|slave) .* connected`,
    );
    let views: string[][] = [];
    const settled = await waitFor(
      "every node's view of the six at their new addresses",
      30000,
      async () => {
        views = await Promise.all(names.map(async (n) => (await admin(n, "CLUSTER", "NODES")).split("\n")));
        return views.every((v) => v.length === 6 && v.every((l) => atNewAddress.test(l))) ? true : undefined;
      },
      500,
    ).catch((e) => e as Error);
    assert.ok(settled === true, `${settled}\n${views.map((v, i) => `${names[i]}:\n  ${v.join("\n  ")}`).join("\n")}`);
    // cluster_state alone does not show it: a node that reaches no peer never gathers the votes to flag one failed.
    await waitFor("every replica linked to its master again", 30000, replicasLinked, 500);
    console.log(
      `      cluster_state:ok on all six ${((ok - restarted) / 1000).toFixed(1)} s after they answered PING, every view settled ${((Date.now() - restarted) / 1000).toFixed(1)} s after`,
    );
    const read = await readAll();
    const values = read.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => !l.startsWith("-> Redirected"));
    const missing = Array.from({ length: KEYS }, (_, i) => i + 1).filter((i) => values[i - 1] !== `value:${i}`);
    assert.strictEqual(
      missing.length,
      0,
      `keys lost across the restart: ${missing.length}; read back:\n${read.stdout.slice(0, 400)}${read.stderr.slice(0, 400)}`,
    );
    assert.match(
      (await run("docker", ["logs", names[0]])).stderr,
      /redis-cluster-peers: redis-cluster-\d-\d+ \(node [0-9a-f]{8}\) is at .* introduced it at its new address/,
    );
    assert.strictEqual(
      (await admin(stranger, "CLUSTER", "INFO")).match(/cluster_known_nodes:(\d+)/)?.[1],
      "1",
      "the node nobody knew was not introduced",
    );
  });

  it("lets a runbook's plain `redis-cli` in a pod speak TLS with the pod's certificate (the image's wrapper)", async () => {
    const r = await run("docker", [
      "exec",
      "-e",
      `REDISCLI_AUTH=${ADMIN_PASSWORD}`,
      names[0],
      "redis-cli",
      "--no-auth-warning",
      "--user",
      "admin",
      "CLUSTER",
      "INFO",
    ]);
    assert.match(r.stdout, /cluster_state:ok/, r.stdout + r.stderr);
  });

  it("gives the peer-finding user nothing beyond finding peers", async () => {
    const peersUser = (...args: string[]) =>
      cli(names[0], "cluster-peers", AUTH_FILES["cluster-peers-password"], ...args);
    assert.match(await peersUser("CLUSTER", "MYID"), /^[0-9a-f]{40}$/);
    for (const c of [
      "GET key:1",
      "CLUSTER FORGET 0000000000000000000000000000000000000000",
      "CLUSTER RESET",
      "CLUSTER FAILOVER",
      "CONFIG GET *",
      "FLUSHALL",
      "KEYS *",
    ]) {
      assert.match(await peersUser(...c.split(" ")), /NOPERM/, c);
    }
  });
});
