// The product end to end: the README's main job (scripts/local-stack) deploys the whole program to
// the local cluster through the real Pulumi engine and policy pack, and judges we did not write
// (redis-cli --cluster check, ZooKeeper's srvr, Sentinel's own answers) say whether it works:
// persistence across pod deletion, failover of each system, a rolling config change, the policy
// pack stopping a violation at preview, and destroy keeping the Retain volumes.
// Steps build on each other, in order. Recovery times are printed, never asserted.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as nodeTls from "tls";
import Redis from "ioredis";
import { Kubectl, clusterEnv, ensureCluster, localCluster, signalPodProcess } from "../../harness/cluster";
import { restrictedContainer, restrictedNamespace, restrictedPod } from "../../harness/cluster-objects";
import { ClusterDns } from "../../harness/fault-writers";
import { PodLogs } from "../../harness/pod-logs";
import { redisCliTls } from "../../harness/tls";
import { ClientTls, tlsOptions } from "../../components/provider-kit/client-tls";
import { redisCli, redisRole, zooKeeperMode } from "../../harness/judges";
import { E2eStack, SUITE_STACKS, clearSuiteStacks } from "../../harness/local-stack";
import { freePort, waitFor } from "../../harness/processes";
import { RedisServer } from "../../harness/redis-servers";
import { keySlot } from "../../components/redis/cluster/slot-plan";
import { dashboardQueries } from "../../components/observability/dashboards";

const { namespace: NAMESPACE, volumeRoot: VOLUME_ROOT } = SUITE_STACKS.e2e;
/** The local cluster's one node, which holds the local volumes (Pulumi.local.yaml). */
/** The local cluster's DNS Service (scripts/local-cluster). */
const CLUSTER_DNS = "10.96.0.10";
const ZOOKEEPERS = ["zookeeper-0", "zookeeper-1", "zookeeper-2"];
const CLUSTER_PODS = [0, 1, 2, 3, 4, 5].map((i) => `redis-cluster-${i}`);
const SENTINEL_DATA = ["redis-sentinel-data-0", "redis-sentinel-data-1", "redis-sentinel-data-2"];
const SENTINELS = ["redis-sentinel-0", "redis-sentinel-1", "redis-sentinel-2"];
const ALL_PODS = [...ZOOKEEPERS, "redis-0", ...CLUSTER_PODS, ...SENTINEL_DATA, ...SENTINELS];
/** Pod name prefix, the client Secret of its workload's authority, its TLS client port (longest prefixes first). */
const TLS_PORTS: readonly (readonly [string, string, number])[] = [
  ["redis-sentinel-data-", "redis-sentinel-client-tls", 6379],
  ["redis-sentinel-", "redis-sentinel-client-tls", 26379],
  ["redis-cluster-", "redis-cluster-client-tls", 6379],
  ["redis-", "redis-client-tls", 6379],
  ["zookeeper-", "zookeeper-client-tls", 2181],
];

/** When the first certificate a pod serves on `port` expires (epoch seconds; its chain, the authority's included), as a client holding `pem` reads it. */
function servedNotAfter(host: string, port: number, pem: ClientTls): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = nodeTls.connect({ host, port, ca: pem.ca, cert: pem.cert, key: pem.key, rejectUnauthorized: false });
    socket.setTimeout(10_000, () => socket.destroy(new Error(`${host}:${port}: no TLS session in 10 s`)));
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      const ends: number[] = [];
      for (
        let c = socket.getPeerCertificate(true);
        c && !ends.includes(Date.parse(c.valid_to));
        c = c.issuerCertificate
      )
        ends.push(Date.parse(c.valid_to));
      resolve(Math.min(...ends) / 1000);
      socket.destroy();
    });
  });
}
/** Volumes the stack keeps: one per pod (a StatefulSet's root volume exists only while its mkdir Job runs). */
const VOLUMES = ALL_PODS.length;

/** Whether a CLUSTER NODES line's slot ranges (fields 8...) include `slot`. */
function servesSlot(fields: readonly string[], slot: number): boolean {
  return fields.slice(8).some((r) => {
    const [a, b] = r.split("-").map(Number);
    return slot >= a && slot <= (b ?? a);
  });
}

describe("the local stack end to end (scripts/local-stack on the local cluster)", function () {
  this.timeout(900_000);
  const stack = new E2eStack(NAMESPACE, VOLUME_ROOT);
  const timings: [string, string][] = [];
  let kubectl: Kubectl;
  let startedCluster = false;
  let password = "";
  let adminPassword = "";
  /** redis-cli's flags to speak TLS to the Redis Cluster with the applications' certificate (its client Secret). */
  let clusterTls: string[] = [];
  /** redis-cli from this host to a cluster node's address. */
  const nodeCli = (ip: string, pw: string, ...args: string[]) => redisCli(ip, 6379, pw, ...clusterTls, ...args);
  /** The same for the standalone Redis and for the Sentinel set (sentinels and data pods share an authority). */
  let redisTls: string[] = [];
  let sentinelTls: string[] = [];
  let sentinelPem: ClientTls | undefined;
  /** The ensemble's client Secret: srvr on the client port needs a certificate of its authority. */
  let zkPem: ClientTls | undefined;
  const standaloneCli = async (pw: string, ...args: string[]) =>
    redisCli(await podIp("redis-0"), 6379, pw, ...redisTls, ...args);

  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const v = await f();
    timings.push([what, `${((Date.now() - t0) / 1000).toFixed(1)} s`]);
    return v;
  };
  const ok = async (...args: string[]) => {
    const r = await stack.run(...args);
    assert.strictEqual(
      r.code,
      0,
      `scripts/local-stack ${args.join(" ")} exited ${r.code}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`,
    );
    return r.stdout;
  };
  const podIp = async (pod: string): Promise<string> =>
    (await kubectl.json(["-n", NAMESPACE, "get", "pod", pod])).status.podIP;
  const allReady = (pods: readonly string[], since?: Date) =>
    Promise.all(pods.map((p) => kubectl.waitReady(NAMESPACE, p, 300_000, since)));
  const deletePods = (...pods: string[]) => kubectl.check(["-n", NAMESPACE, "delete", "pod", ...pods, "--wait=false"]);
  /** Runs `f` while polling the pods; resolves with its result and, per StatefulSet, the most of `pods` seen not Ready at once. */
  const zkModes = async () =>
    Promise.all(ZOOKEEPERS.map(async (p) => zooKeeperMode(await podIp(p), zkPem).catch(() => "down")));
  // A pod holds neither the client nor the admin password (only their hashes): the judges send
  // theirs on stdin, never in argv.
  const clusterCheck = () =>
    kubectl.execWithRedisAuth(
      NAMESPACE,
      "redis-cluster-0",
      adminPassword,
      "exec redis-cli --no-auth-warning --user admin --cluster check 127.0.0.1:6379",
    );
  /**
   * redis-cli -c inside a cluster pod, where the nodes' announced DNS names resolve (redirects
   * work). `feed`: a shell loop whose lines redis-cli reads as commands, many in one exec;
   * `stderr`: keep what redis-cli prints there too (a redirect it could not follow).
   */
  const clusterCliOutput = (pod: string, args: readonly string[], opts: { feed?: string; stderr?: boolean } = {}) => {
    const cli = `redis-cli --no-auth-warning -c "$@"${opts.stderr ? " 2>&1" : ""}`;
    const script = opts.feed ? `${opts.feed} | ${cli}` : `exec ${cli}`;
    return kubectl.execWithRedisAuth(NAMESPACE, pod, password, script, ...args);
  };
  const clusterCli = (pod: string, ...args: string[]) => clusterCliOutput(pod, args).then((o) => o.trim());
  /** The cluster pod behind a CLUSTER NODES line, found by the address in its second field. */
  const podOfNode = async (fields: readonly string[]) => {
    const ip = fields[1].split(":")[0];
    const pods = await Promise.all(CLUSTER_PODS.map(async (p) => ((await podIp(p)) === ip ? p : undefined)));
    return pods.find((p) => p)!;
  };
  const clusterNodes = async () =>
    (await nodeCli(await podIp("redis-cluster-0"), password, "cluster", "nodes")).split("\n").map((l) => l.split(" "));
  const sentinelMasters = async () =>
    Promise.all(
      SENTINELS.map(
        async (s) =>
          (
            await redisCli(
              await podIp(s),
              26379,
              password,
              ...sentinelTls,
              "sentinel",
              "get-master-addr-by-name",
              "mymaster",
            )
          ).split("\n")[0],
      ),
    );

  before(async () => {
    startedCluster = await ensureCluster();
    kubectl = new Kubectl(await clusterEnv());
    await clearSuiteStacks(kubectl);
  });

  after(async () => {
    console.log(
      `\n      recovery and run times:\n${timings.map(([w, t]) => `        ${w.padEnd(60)} ${t}`).join("\n")}`,
    );
    await stack.run("destroy");
    await kubectl?.run([
      "delete",
      "namespace",
      NAMESPACE,
      stack.scrapeNamespace,
      "--ignore-not-found",
      "--wait=true",
      "--timeout=180s",
    ]);
    if (kubectl) await stack.removeLeftovers(kubectl);
    stack.cleanup();
    if (startedCluster) await localCluster("down");
  });

  it("previews the stack with the policy pack and the PR summary", async () => {
    const out = await timed("preview (scripts/local-stack preview)", () => ok("preview"));
    assert.match(out, /### Preview of `local`: passes/);
    assert.match(out, /Policy: 0 mandatory violation\(s\)/);
    assert.match(out, /\| create \| `zookeeper` \| `kubernetes:apps\/v1:StatefulSet` \|/);
  });

  it("refuses at preview a required anti-affinity the one-node cluster cannot satisfy, naming the shortage", async () => {
    // Node-local volumes refuse "required" at validation already; NFS volumes leave it to the cluster's nodes.
    stack.writeSettings((c) => (c["middleware:scheduling"].antiAffinity = "required"));
    try {
      const r = await timed("preview with required anti-affinity on one node (refused)", () => stack.run("preview"));
      assert.notStrictEqual(r.code, 0);
      assert.match(
        r.stdout + r.stderr,
        /scheduling\.antiAffinity is "required" \(one pod of a StatefulSet per node\), but only 1 node can take the pods \(middleware-local\): redis-cluster needs 6, redis-sentinel needs 3, redis-sentinel-data needs 3, zookeeper needs 3\./,
      );
    } finally {
      stack.writeSettings();
    }
  });

  it("deploys everything with every health assertion passing (the main job)", async () => {
    const out = await timed("first up (scripts/local-stack up)", () => ok("up"));
    for (const system of ["ZooKeeper", "Redis", "Redis Cluster", "Redis Sentinel"])
      assert.match(out, new RegExp(`^ok +${system} \\(`, "m"));
    assert.match(out, /How to reach each system/);
    password = await stack.secret("redisPassword");
    adminPassword = await stack.secret("redisAdminPassword");
    assert.ok(password.length >= 24 && adminPassword !== password);
    clusterTls = redisCliTls(await kubectl.clientTls(NAMESPACE, "redis-cluster-client-tls"));
    redisTls = redisCliTls(await kubectl.clientTls(NAMESPACE, "redis-client-tls"));
    const sentinelFiles = await kubectl.clientTls(NAMESPACE, "redis-sentinel-client-tls");
    sentinelTls = redisCliTls(sentinelFiles);
    sentinelPem = sentinelFiles.pem;
    zkPem = (await kubectl.clientTls(NAMESPACE, "zookeeper-client-tls")).pem;
    // The storage root was mounted only while each directory Job ran: no claim, volume or Job of it is left.
    const claims = await kubectl.json(["-n", NAMESPACE, "get", "persistentvolumeclaims"]);
    assert.deepStrictEqual(
      claims.items.map((c: any) => c.metadata.name).filter((n: string) => n.endsWith("-storage-root")),
      [],
    );
    const volumes = await kubectl.json(["get", "persistentvolumes"]);
    assert.deepStrictEqual(
      volumes.items
        .map((v: any) => v.metadata.name)
        .filter((n: string) => n.startsWith(`${NAMESPACE}-`) && n.endsWith("-root")),
      [],
    );
    assert.deepStrictEqual((await kubectl.json(["-n", NAMESPACE, "get", "jobs"])).items, []);
  });

  it("changes nothing on a second up, and finds no drift after a refresh", async () => {
    await timed("no-op up (--expect-no-changes)", () =>
      ok("pulumi", "up", "--yes", "--expect-no-changes", "--policy-pack", "policy"),
    );
    await ok("pulumi", "preview", "--refresh", "--expect-no-changes");
  });

  it("passes the judges: redis-cli --cluster check, srvr on each ZooKeeper, every sentinel agreeing", async () => {
    const check = await clusterCheck();
    assert.match(check, /\[OK\] All 16384 slots covered\./);
    assert.match(check, /\[OK\] All nodes agree about slots configuration\./);
    assert.strictEqual((check.match(/^M: /gm) ?? []).length, 3, check);
    assert.strictEqual((check.match(/^S: /gm) ?? []).length, 3, check);
    assert.deepStrictEqual((await zkModes()).sort(), ["follower", "follower", "leader"]);
    const masters = await sentinelMasters();
    assert.strictEqual(new Set(masters).size, 1, `sentinels disagree: ${masters}`);
    assert.strictEqual(await redisRole(await podIp(masters[0].split(".")[0]), password, sentinelTls), "master");
  });

  it("speaks only TLS with client certificates of each workload's own authority, and keeps a pod without one off the cluster bus (NetworkPolicy and TLS)", async () => {
    const ip = await podIp("redis-cluster-1");
    // The applications' certificate works from outside the pods; no certificate, or plain text, gets nothing.
    assert.match(await nodeCli(ip, password, "ping"), /^PONG$/);
    await assert.rejects(redisCli(ip, 6379, password, "ping"), "plain text on the client port");
    await assert.rejects(redisCli(ip, 6379, password, "--tls", "--insecure", "ping"), "TLS without a certificate");
    await assert.rejects(redisCli(ip, 6380, password, "ping"), "no plain-text port (tls.plaintextPorts is false)");
    // The standalone Redis, a Sentinel data pod and a sentinel the same way, each with its own Secret.
    for (const [pod, port, tls] of [
      ["redis-0", 6379, redisTls],
      ["redis-sentinel-data-0", 6379, sentinelTls],
      ["redis-sentinel-0", 26379, sentinelTls],
    ] as const) {
      const at = await podIp(pod);
      assert.match(await redisCli(at, port, password, ...tls, "ping"), /^PONG$/, pod);
      await assert.rejects(redisCli(at, port, password, "ping"), `plain text on ${pod}`);
      await assert.rejects(redisCli(at, port, password, "--tls", "--insecure", "ping"), `no certificate on ${pod}`);
      // Another workload's certificate is no key here: each has its own authority.
      await assert.rejects(redisCli(at, port, password, ...clusterTls, "ping"), `the cluster's certificate on ${pod}`);
    }
    // ZooKeeper's client port: srvr answers its client Secret's certificate only.
    const zk = await podIp("zookeeper-0");
    assert.match(await zooKeeperMode(zk, zkPem), /^(leader|follower)$/);
    // Refused by the server: no answer to plain text, or a TLS alert (which one depends on the TLS
    // version negotiated); never an answer with a mode.
    const refusedOn = async (attempt: Promise<string>, how: string) => {
      const outcome = await attempt.then(
        (mode) => `answered: ${mode}`,
        (e: Error) => e.message,
      );
      assert.match(
        outcome,
        /no srvr answer|without a mode|ECONNRESET|alert (bad certificate|certificate unknown|certificate required|unknown ca|handshake failure)/i,
        `${how} on zookeeper-0: ${outcome}`,
      );
    };
    await refusedOn(zooKeeperMode(zk), "plain text");
    await refusedOn(zooKeeperMode(zk, { ca: zkPem!.ca }), "no certificate");
    await refusedOn(zooKeeperMode(zk, { ...sentinelPem!, ca: zkPem!.ca }), "the Sentinel set's certificate");
    await assert.rejects(
      zooKeeperMode(zk, undefined, 2182),
      /ECONNREFUSED/,
      "no plain-text port (tls.plaintextPorts is false)",
    );
    // A pod of the namespace running a cluster node of its own, with no certificate, asks a node to
    // meet it on the bus: the first step of the takeover the bus allowed in plain text.
    const image = await kubectl.check([
      "-n",
      NAMESPACE,
      "get",
      "statefulset",
      "redis-cluster",
      "-o",
      "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    const intruder = "intruder";
    const hardened = {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    };
    const overrides = {
      spec: {
        imagePullSecrets: [{ name: "harbor-pull" }],
        containers: [
          {
            name: intruder,
            image,
            command: [
              "/usr/bin/redis-server",
              "--cluster-enabled",
              "yes",
              "--dir",
              "/tmp",
              "--cluster-node-timeout",
              "2000",
            ],
            securityContext: hardened,
          },
        ],
      },
    };
    await kubectl.check([
      "-n",
      NAMESPACE,
      "run",
      intruder,
      `--image=${image}`,
      "--restart=Never",
      `--overrides=${JSON.stringify(overrides)}`,
    ]);
    try {
      await kubectl.waitReady(NAMESPACE, intruder, 120_000);
      // The stack's NetworkPolicies on the wire (the local cluster enforces them): a pod of the
      // namespace without the workloads' labels reaches a client port, never the cluster bus, the
      // ZooKeeper quorum ports or, lacking the ZooKeeper client label, ZooKeeper's client port. A dropped SYN times out (124); a refusal
      // would mean the port is not even listening.
      const connects = async (host: string, port: number) => {
        const r = await kubectl.run([
          "-n",
          NAMESPACE,
          "exec",
          intruder,
          "--",
          "timeout",
          "3",
          "bash",
          "-c",
          `</dev/tcp/${host}/${port}`,
        ]);
        assert.ok(
          r.code === 0 || r.code === 124,
          `connecting to ${host}:${port} failed otherwise (exit ${r.code}): ${r.stderr}`,
        );
        return r.code === 0;
      };
      assert.ok(await connects(ip, 6379), "the namespace's pods reach a cluster node's client port");
      assert.ok(!(await connects(ip, 16379)), "the cluster bus admits only the cluster's own pods");
      assert.ok(!(await connects(zk, 2181)), "ZooKeeper admits only pods with its client label");
      assert.ok(!(await connects(ip, 9121)), "the metrics port admits only the scrape namespace");
      for (const port of [2888, 3888])
        assert.ok(!(await connects(zk, port)), `ZooKeeper's quorum port ${port} admits only members`);
      const onIntruder = (...args: string[]) => kubectl.exec(NAMESPACE, intruder, "/usr/bin/redis-cli", ...args);
      const intruderId = (await onIntruder("cluster", "myid")).trim();
      assert.strictEqual((await onIntruder("cluster", "meet", ip, "6379")).trim(), "OK");
      // Its handshake ends either way: the node joins, or it is dropped after the node timeout.
      await waitFor(
        "the intruder's handshake to end",
        60_000,
        async () => (/handshake/.test(await onIntruder("cluster", "nodes")) ? undefined : true),
        500,
      );
      for (const p of CLUSTER_PODS) {
        const nodes = await nodeCli(await podIp(p), adminPassword, "--user", "admin", "cluster", "nodes");
        assert.ok(!nodes.includes(intruderId), `${p} lists the intruder:\n${nodes}`);
        assert.strictEqual(nodes.trim().split("\n").length, 6, `${p} knows exactly the six nodes:\n${nodes}`);
      }
    } finally {
      await kubectl.run(["-n", NAMESPACE, "delete", "pod", intruder, "--wait=false"]);
    }
  });

  it("serves every Redis pod's metrics, read over TLS as its own user, and ZooKeeper's, to the scrape namespace alone", async () => {
    // A scraper in the stack's scrape namespace: the product image (it has curl), pulled with the
    // stack's pull secret copied there.
    const scrapeNs = stack.scrapeNamespace;
    await kubectl.apply(restrictedNamespace(scrapeNs));
    const pull = await kubectl.json(["-n", NAMESPACE, "get", "secret", "harbor-pull"]);
    await kubectl.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "harbor-pull", namespace: scrapeNs },
      type: pull.type,
      data: pull.data,
    });
    const image = await kubectl.check([
      "-n",
      NAMESPACE,
      "get",
      "statefulset",
      "redis",
      "-o",
      "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    await kubectl.apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "scraper", namespace: scrapeNs },
      spec: {
        securityContext: restrictedPod,
        imagePullSecrets: [{ name: "harbor-pull" }],
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: "scraper",
            image,
            command: ["sleep", "infinity"],
            securityContext: restrictedContainer,
            resources: { requests: { cpu: "5m", memory: "16Mi" }, limits: { memory: "64Mi" } },
          },
        ],
      },
    });
    await kubectl.waitReady(scrapeNs, "scraper", 120_000);
    const scrape = async (pod: string) =>
      kubectl.exec(scrapeNs, "scraper", "curl", "-sf", "--max-time", "10", `http://${await podIp(pod)}:9121/metrics`);
    const series = (text: string, name: string) => new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[2];
    for (const pod of ["redis-0", ...CLUSTER_PODS, ...SENTINEL_DATA]) {
      const text = await scrape(pod);
      assert.strictEqual(series(text, "redis_up"), "1", `${pod}: redis_up`);
      assert.strictEqual(series(text, "redis_aof_last_write_status"), "1", `${pod}: AOF writes`);
    }
    const cluster = await scrape(CLUSTER_PODS[0]);
    assert.strictEqual(series(cluster, "redis_cluster_state"), "1");
    assert.strictEqual(series(cluster, "redis_cluster_slots_ok"), "16384");
    // ZooKeeper serves its own, on 7000: one leader with both followers synced.
    const zkMetrics = await Promise.all(
      ZOOKEEPERS.map(async (pod) =>
        kubectl.exec(scrapeNs, "scraper", "curl", "-sf", "--max-time", "10", `http://${await podIp(pod)}:7000/metrics`),
      ),
    );
    assert.deepStrictEqual(
      zkMetrics.map((t) => series(t, "quorum_size")),
      ["3.0", "3.0", "3.0"],
    );
    const leaders = zkMetrics.filter((t) => series(t, "leader_uptime") !== undefined);
    assert.strictEqual(leaders.length, 1, "leader_uptime on exactly one member");
    assert.strictEqual(series(leaders[0], "synced_followers"), "2.0");
    for (const pod of SENTINELS) {
      const text = await scrape(pod);
      assert.match(text, /^redis_sentinel_master_status\{[^}]*master_status="ok"[^}]*\} 1$/m, pod);
      assert.strictEqual(series(text, "redis_sentinel_master_ok_sentinels"), "3", `${pod}: sentinels seen`);
      assert.strictEqual(series(text, "redis_sentinel_master_ok_slaves"), "2", `${pod}: replicas seen`);
    }
  });

  it("runs the stack's Prometheus: every annotated pod a target that is up, every TLS port probed for the certificate it serves, the key series and every dashboard query answering, and RedisDown firing for a stopped cluster master, resolving once it is back", async () => {
    // Asked from the scraper of the test above, in the scrape namespace its NetworkPolicy admits.
    const scrapeNs = stack.scrapeNamespace;
    const promIp = (
      await kubectl.json(["-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/name=prometheus"])
    ).items.find((p: any) => p.status.podIP)?.status.podIP;
    assert.ok(promIp, "no Prometheus pod with an address");
    const api = async (endpoint: string, query?: string): Promise<any> => {
      const args = ["curl", "-sf", "--max-time", "10", "-G", `http://${promIp}:9090/api/v1/${endpoint}`];
      const out = await kubectl.exec(
        scrapeNs,
        "scraper",
        ...args,
        ...(query ? ["--data-urlencode", `query=${query}`] : []),
      );
      return JSON.parse(out).data;
    };
    const instant = async (query: string): Promise<{ pod?: string; value: string }[]> =>
      (await api("query", query)).result.map((r: any) => ({ pod: r.metric.pod, value: r.value[1] }));

    // Every pod that announces metrics is a target, and every target is up.
    const announced = (await kubectl.json(["-n", NAMESPACE, "get", "pods"])).items
      .filter((p: any) => p.metadata.annotations?.["prometheus.io/scrape"] === "true")
      .map((p: any) => p.metadata.name)
      .sort();
    assert.deepStrictEqual(
      announced,
      ["redis-0", ...CLUSTER_PODS, ...SENTINEL_DATA, ...SENTINELS, ...ZOOKEEPERS].sort(),
      "pods announcing metrics",
    );
    let targets: { pod: string; health: string }[] = [];
    await waitFor(
      "every announced pod a target that is up",
      120_000,
      async () => {
        targets = (await api("targets")).activeTargets
          .filter((t: any) => t.labels.job === "middleware")
          .map((t: any) => ({ pod: t.labels.pod, health: t.health }));
        const up = targets.filter((t) => t.health === "up").map((t) => t.pod);
        return JSON.stringify(up.sort()) === JSON.stringify(announced) && targets.length === announced.length
          ? true
          : undefined;
      },
      2000,
    ).catch((e: Error) => assert.fail(`${e.message}: ${JSON.stringify(targets)}`));

    // Every pod's TLS port answers the probe as a client of its authority, and the expiry
    // Prometheus reads is that of the certificate the pod serves, read here by a client of our own.
    const pods = (rows: { pod?: string }[]) => rows.map((r) => r.pod).sort();
    let probed: { pod?: string; value: string }[] = [];
    await waitFor("every pod's TLS port probed", 60_000, async () => {
      probed = await instant('probe_success{job="tls"} == 1');
      return probed.length === announced.length ? true : undefined;
    }).catch((e: Error) => assert.fail(`${e.message}: ${JSON.stringify(probed)}`));
    assert.deepStrictEqual(pods(probed), announced, "pods whose TLS port answers the probe");
    const expiries = new Map((await instant('probe_ssl_earliest_cert_expiry{job="tls"}')).map((r) => [r.pod, r.value]));
    const ips = new Map(
      (await kubectl.json(["-n", NAMESPACE, "get", "pods"])).items.map((p: any) => [p.metadata.name, p.status.podIP]),
    );
    for (const pod of announced) {
      const [secret, port] = TLS_PORTS.find(([prefix]) => pod.startsWith(prefix))!.slice(1) as [string, number];
      const served = await servedNotAfter(
        ips.get(pod) as string,
        port,
        (await kubectl.clientTls(NAMESPACE, secret)).pem,
      );
      assert.strictEqual(Number(expiries.get(pod)), served, `${pod}: the expiry Prometheus reads`);
    }

    // The series the alerts and dashboards read, from every member that serves them.
    const redisPods = ["redis-0", ...CLUSTER_PODS, ...SENTINEL_DATA, ...SENTINELS].sort();
    assert.deepStrictEqual(pods(await instant("redis_up == 1")), redisPods, "redis_up 1");
    assert.deepStrictEqual(pods(await instant("redis_cluster_slots_ok == 16384")), [...CLUSTER_PODS].sort());
    assert.deepStrictEqual(
      pods(await instant("redis_aof_last_write_status == 1")),
      redisPods.filter((p) => !SENTINELS.includes(p)),
    );
    assert.deepStrictEqual(pods(await instant("redis_sentinel_master_ok_sentinels == 3")), [...SENTINELS].sort());
    assert.deepStrictEqual(pods(await instant("quorum_size == 3")), [...ZOOKEEPERS].sort());
    assert.strictEqual((await instant("leader_uptime")).length, 1, "one ZooKeeper leader");
    assert.deepStrictEqual(await instant("ALERTS"), [], "alerts firing or pending on a healthy stack");
    // Every query of the shipped dashboards answers with data from this stack.
    const empty: string[] = [];
    for (const x of dashboardQueries())
      if (!(await instant(x.expr.replace(/\$namespace/g, NAMESPACE))).length)
        empty.push(`${x.dashboard} / ${x.panel}: ${x.expr}`);
    assert.deepStrictEqual(empty, [], "dashboard queries that return nothing");

    // A cluster master stops answering (SIGSTOP: its process stays, its sockets stay open).
    const nodes = await clusterNodes();
    const master = nodes.find((f) => f[2].includes("master") && !f[2].includes("fail"))!;
    const masterPod = await podOfNode(master);
    const replicaPod = await podOfNode(nodes.find((f) => f[3] === master[0])!);
    const interval = 5; // Pulumi.local.yaml's metrics.prometheus.interval, scrape and evaluation alike
    const stoppedAt = Date.now();
    await signalPodProcess(kubectl, NAMESPACE, masterPod, "redis-server", "STOP");
    let alert: any;
    try {
      await waitFor(
        `RedisDown firing for ${masterPod}`,
        // Liveness restarts a stopped server after about a minute: the alert must fire before.
        90_000,
        async () => {
          const alerts = (await api("alerts")).alerts;
          alert = alerts.find((a: any) => a.labels.alertname === "RedisDown" && a.labels.pod === masterPod);
          return alert?.state === "firing" ? alerts : undefined;
        },
        1000,
      );
      const firedAfter = (Date.now() - stoppedAt) / 1000;
      // Pending from the first evaluation after a scrape saw redis_up 0: within a scrape interval,
      // the sidecar's 3 s timeout and an evaluation interval of the stop.
      const pendingAfter = (Date.parse(alert.activeAt) - stoppedAt) / 1000;
      timings.push([
        `Prometheus: ${masterPod} stopped -> RedisDown pending / firing`,
        `${pendingAfter.toFixed(1)} / ${firedAfter.toFixed(1)} s`,
      ]);
      assert.ok(pendingAfter <= 2 * interval + 3 + 1, `RedisDown pending ${pendingAfter} s after the stop`);
      // Its replica took over meanwhile (cluster-node-timeout 5 s).
      await waitFor(`${replicaPod} promoted`, 60_000, async () =>
        (await instant(`redis_instance_info{pod="${replicaPod}",role="master"}`)).length ? true : undefined,
      );
    } finally {
      await signalPodProcess(kubectl, NAMESPACE, masterPod, "redis-server", "CONT").catch(() => undefined);
    }
    const resumedAt = Date.now();
    await waitFor(
      "RedisDown resolved",
      60_000,
      async () =>
        (await api("alerts")).alerts.some((a: any) => a.labels.alertname === "RedisDown") ? undefined : true,
      1000,
    );
    timings.push([
      `Prometheus: ${masterPod} resumed -> RedisDown resolved`,
      `${((Date.now() - resumedAt) / 1000).toFixed(1)} s`,
    ]);
    await waitFor(
      "the cluster check passes",
      120_000,
      async () => ((await clusterCheck()).includes("[OK] All 16384 slots covered.") ? true : undefined),
      1000,
    );
  });

  it("keeps a pod holding the quorum password, but no certificate, out of the ZooKeeper quorum", async () => {
    const since = new Date();
    const members = await kubectl.json(["-n", NAMESPACE, "get", "statefulset", "zookeeper"]);
    const image: string = members.spec.template.spec.containers[0].image;
    // The product's image and zoo.cfg with the TLS lines taken out, as member 3, holding the auth
    // Secret (any pod of the namespace may mount it): all a would-be member has without a certificate.
    // It wears the members' labels, as any pod that may set labels can: the NetworkPolicy then
    // admits it to the quorum ports, and only TLS stands between it and the ensemble.
    const intruder = "zk-intruder";
    const memberLabels = Object.entries(members.spec.selector.matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const script = [
      "grep -vE '^(ssl|secureClientPort|serverCnxnFactory)' /config/zoo.cfg > /tmp/zoo.cfg",
      "echo clientPort=2181 >> /tmp/zoo.cfg",
      "exec env ZK_CONFIG=/tmp/zoo.cfg ZK_ORDINAL=2 ZK_HEAP=128m /usr/local/bin/zk-entrypoint",
    ].join("\n");
    const overrides = {
      spec: {
        imagePullSecrets: [{ name: "harbor-pull" }],
        containers: [
          {
            name: intruder,
            image,
            command: ["bash", "-c", script],
            securityContext: {
              runAsNonRoot: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"] },
              seccompProfile: { type: "RuntimeDefault" },
            },
            volumeMounts: [
              { name: "config", mountPath: "/config" },
              { name: "auth", mountPath: "/etc/auth" },
            ],
          },
        ],
        volumes: [
          { name: "config", configMap: { name: "zookeeper-config" } },
          { name: "auth", secret: { secretName: "zookeeper-auth" } },
        ],
      },
    };
    await kubectl.check([
      "-n",
      NAMESPACE,
      "run",
      intruder,
      `--image=${image}`,
      "--restart=Never",
      `--labels=${memberLabels}`,
      `--overrides=${JSON.stringify(overrides)}`,
    ]);
    try {
      // Turned away by the members: their logs say so once its connection attempts arrive.
      await waitFor(
        "a member to block the intruder's plain-text quorum connection",
        120_000,
        async () => {
          const logs = await Promise.all(
            ZOOKEEPERS.map((p) =>
              kubectl.check(["-n", NAMESPACE, "logs", p, `--since-time=${since.toISOString()}`]).catch(() => ""),
            ),
          );
          return logs.some((l) => l.includes("Blocked insecure connection attempt")) ? true : undefined;
        },
        1000,
      );
      // The ensemble is as it was: three members serving, one leader syncing two followers.
      assert.deepStrictEqual((await zkModes()).sort(), ["follower", "follower", "leader"]);
      const leader = ZOOKEEPERS[(await zkModes()).indexOf("leader")];
      const mntr = await kubectl.exec(NAMESPACE, leader, "zk-4lw", "127.0.0.1", "mntr");
      // With metrics on, the Prometheus provider has mntr print its numbers as decimals ("2.0").
      assert.match(mntr, /^zk_synced_followers\s+2(\.0)?$/m, mntr);
      // And the intruder serves nothing: it never joined a quorum.
      const srvr = await kubectl.exec(
        NAMESPACE,
        intruder,
        "bash",
        "-c",
        "ZK_CONFIG=/tmp/zoo.cfg zk-4lw 127.0.0.1 srvr || true",
      );
      assert.doesNotMatch(srvr, /^Mode: (leader|follower)$/m, srvr);
    } finally {
      await kubectl.run(["-n", NAMESPACE, "delete", "pod", intruder, "--wait=false"]);
    }
  });

  it("keeps a Redis key, a cluster key and a znode when their pods are deleted", async () => {
    await standaloneCli(password, "set", "e2e:standalone", "kept");
    assert.strictEqual(await clusterCli("redis-cluster-0", "set", "e2e:cluster", "kept"), "OK");
    await kubectl.exec(NAMESPACE, "zookeeper-0", "zk-cli", "create", "/e2e-persist", "kept");
    // The master serving the key and its replica go together, so the key must come back from disk.
    const slot = Number(await clusterCli("redis-cluster-0", "cluster", "keyslot", "e2e:cluster"));
    const nodes = await clusterNodes();
    const owner = nodes.find((f) => f[2].includes("master") && servesSlot(f, slot))!;
    const replica = nodes.find((f) => f[3] === owner[0])!;
    const pair = await Promise.all([owner, replica].map(podOfNode));
    const since = new Date();
    await timed("persistence: redis-0, cluster master+replica, all ZooKeepers deleted -> Ready", async () => {
      await deletePods("redis-0", ...pair, ...ZOOKEEPERS);
      await allReady(["redis-0", ...pair, ...ZOOKEEPERS], since);
    });
    assert.strictEqual(await standaloneCli(password, "get", "e2e:standalone"), "kept");
    await waitFor(
      "cluster state ok",
      120_000,
      async () => ((await clusterCheck()).includes("[OK] All 16384 slots covered.") ? true : undefined),
      1000,
    );
    // Read at the address the cluster gives the slot's master now, not through DNS (CoreDNS may
    // serve a restarted pod's old address for its 30 s cache); the timeout names the last answer.
    await waitFor(
      "the cluster key at its slot's master",
      120_000,
      async () => {
        const owner = (await clusterNodes()).find(
          (f) => f[2].includes("master") && !f[2].includes("fail") && servesSlot(f, slot),
        );
        if (!owner) throw new Error(`no master serves slot ${slot} yet`);
        const value = await nodeCli(owner[1].split(":")[0], password, "get", "e2e:cluster");
        if (value === "kept") return true;
        throw new Error(`the master of slot ${slot} (${owner[1]}) answers "${value}"`);
      },
      1000,
    );
    const znode = await waitFor(
      "znode readable",
      60_000,
      async () => {
        const out = await kubectl.exec(NAMESPACE, "zookeeper-1", "zk-cli", "get", "/e2e-persist");
        return /^kept$/m.test(out) ? out : undefined;
      },
      1000,
    );
    assert.match(znode, /^kept$/m);
  });

  it("recovers from losing the ZooKeeper leader", async () => {
    const modes = await zkModes();
    const leader = ZOOKEEPERS[modes.indexOf("leader")];
    assert.ok(leader, `no leader before the test: ${modes.join(", ")}`);
    const deletedUid = (await kubectl.json(["-n", NAMESPACE, "get", "pod", leader])).metadata.uid;
    const since = new Date();
    await deletePods(leader);
    // A leader among the members now serving: a survivor, or the deleted pod's replacement when it
    // is back before the vote ends (it then wins on its higher id). Never the old pod, which can
    // answer "leader" while it terminates.
    const modeOf = async (p: string) => {
      const pod = await kubectl.json(["-n", NAMESPACE, "get", "pod", p]).catch(() => undefined);
      if (!pod?.status?.podIP || pod.metadata.uid === deletedUid) return "down";
      return zooKeeperMode(pod.status.podIP, zkPem).catch(() => "down");
    };
    await timed(`ZooKeeper: leader ${leader} deleted -> a new leader serves`, () =>
      waitFor(
        "a new ZooKeeper leader",
        120_000,
        async () => ((await Promise.all(ZOOKEEPERS.map(modeOf))).includes("leader") ? true : undefined),
        250,
      ),
    );
    await timed(`ZooKeeper: ${leader} back Ready`, () => allReady([leader], since));
    // Whole again: every member serving, one leader. Seen once right after the replacement was
    // Ready: one member not yet answering srvr (the vote had taken 21 s that run), whole moments later.
    const whole = await waitFor(
      "every ZooKeeper member serving, one leader",
      60_000,
      async () => {
        const modes = (await zkModes()).sort();
        return modes.join() === "follower,follower,leader" ? modes : undefined;
      },
      500,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${(await zkModes()).join(", ")}`);
    });
    assert.deepStrictEqual(whole, ["follower", "follower", "leader"]);
  });

  it("recovers from losing a Redis Cluster master", async () => {
    const nodes = await clusterNodes();
    const master = nodes.find((f) => f[2].includes("master") && !f[2].includes("myself"))!;
    const replica = nodes.find((f) => f[3] === master[0])!;
    const masterPod = await podOfNode(master);
    let key = "";
    for (let i = 0; !key; i++) if (servesSlot(master, keySlot(`e2e:${i}`))) key = `e2e:${i}`;
    const slot = Number(await clusterCli("redis-cluster-0", "cluster", "keyslot", key));
    assert.ok(servesSlot(master, slot), `${key} is in slot ${slot}, not served by ${master[0]}`);
    // Recovered when the slot's owner, as the cluster now names it, takes a write at its own
    // address (not through DNS, which may still hold the deleted pod's address for 30 s).
    const writable = async () => {
      const owner = (await clusterNodes()).find(
        (f) => f[2].includes("master") && !f[2].includes("fail") && servesSlot(f, slot),
      );
      return owner && (await nodeCli(owner[1].split(":")[0], password, "set", key, "x").catch(() => "")) === "OK"
        ? true
        : undefined;
    };
    const since = new Date();
    await deletePods(masterPod);
    await timed(`Redis Cluster: master ${masterPod} deleted -> its slots take writes again`, () =>
      waitFor(`a write to slot ${slot}`, 180_000, () => writable().catch(() => undefined), 250),
    );
    await timed(`Redis Cluster: ${masterPod} back Ready`, () => allReady([masterPod], since));
    await waitFor(
      "the cluster check passes",
      120_000,
      async () => ((await clusterCheck()).includes("[OK] All 16384 slots covered.") ? true : undefined),
      1000,
    );
    const promoted =
      (await redisRole(replica[1].split(":")[0], password, sentinelTls).catch(() => "gone")) === "master";
    timings.push([`  (${promoted ? "its replica was promoted" : "the master came back before the failover"})`, ""]);
  });

  it("recovers from losing the Sentinel master", async () => {
    const before = (await sentinelMasters())[0];
    const masterPod = before.split(".")[0];
    // The stopping pod's last words (its preStop hook) go with it; followed, they explain a failure.
    const hookLogs = new PodLogs(kubectl, NAMESPACE, [masterPod], "redis").start();
    const since = new Date();
    await deletePods(masterPod);
    await timed(`Sentinel: master ${masterPod} deleted -> handed over, sentinels agree on a new master`, () =>
      waitFor(
        "sentinels to agree on a new master",
        180_000,
        async () => {
          const now = await sentinelMasters().catch(() => []);
          return now.length === 3 && new Set(now).size === 1 && now[0] !== before ? true : undefined;
        },
        250,
      ),
    );
    await timed(`Sentinel: ${masterPod} back Ready`, () => allReady([masterPod], since));
    const after = (await sentinelMasters())[0];
    assert.strictEqual(await redisRole(await podIp(after.split(".")[0]), password, sentinelTls), "master");
    // A deleted master hands over in its preStop hook (images/redis/redis-handover) rather than
    // leaving the sentinels to notice it gone.
    const logs = await Promise.all(
      SENTINELS.map((p) => kubectl.check(["-n", NAMESPACE, "logs", p, `--since-time=${since.toISOString()}`])),
    );
    hookLogs.stop();
    const story = [
      ...hookLogs.text(since.getTime(), /redis-handover/),
      ...SENTINELS.flatMap((p, i) => [
        `--- ${p}`,
        ...logs[i]
          .split("\n")
          .filter((l) => /FAILOVER|[+-](o|s)down|switch-master|config-update|failover|tilt/.test(l)),
      ]),
    ].join("\n");
    assert.ok(
      logs.some((l) => l.includes("Executing user requested FAILOVER of 'mymaster'")),
      `no sentinel was asked to fail over by the stopping master:\n${story}`,
    );
    assert.ok(
      !logs.some((l) => /\+odown master mymaster/.test(l)),
      `the sentinels had to detect the master down:\n${story}`,
    );
  });

  it("follows a Sentinel failover with an unmodified ioredis Sentinel client and a plain client through the master Service", async () => {
    // Names resolve through the cluster DNS, as inside a pod; only the resolution is ours (ioredis asks natMap).
    const zone = `${NAMESPACE}.svc.cluster.local`;
    const dataNames = SENTINEL_DATA.map((n) => `${n}.redis-sentinel-data-headless.${zone}`);
    const names = new ClusterDns(CLUSTER_DNS, dataNames);
    const masterServiceIp = await names.resolve(`redis-sentinel-master.${zone}`);
    await waitFor("the data pod names resolved", 30_000, async () =>
      dataNames.every((n) => names.natMap(`${n}:6379`)) ? true : undefined,
    );
    const sentinelClient = new Redis({
      sentinels: await Promise.all(SENTINELS.map(async (p) => ({ host: await podIp(p), port: 26379 }))),
      name: "mymaster",
      password,
      sentinelPassword: password,
      natMap: names.natMap,
      enableTLSForSentinelMode: true,
      sentinelTLS: tlsOptions(sentinelPem!),
      tls: tlsOptions(sentinelPem!),
    });
    const plainClient = new Redis({ host: masterServiceIp, port: 6379, password, tls: tlsOptions(sentinelPem!) });
    const writers = [
      { name: "ioredis Sentinel client", client: sentinelClient, acked: [] as [string, number][], refused: 0 },
      {
        name: "plain client through redis-sentinel-master",
        client: plainClient,
        acked: [] as [string, number][],
        refused: 0,
      },
    ];
    let writing = true;
    const loops = writers.map(async (w, n) => {
      w.client.on("error", () => undefined);
      for (let i = 0; writing; i++) {
        const key = `follow:${n}:${i}`;
        try {
          await w.client.set(key, key);
          w.acked.push([key, Date.now()]);
          await new Promise((r) => setTimeout(r, 20)); // ~50 writes/s: enough to see every gap, few enough to read back
        } catch {
          w.refused++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });
    try {
      await waitFor("both clients writing", 60_000, async () =>
        writers.every((w) => w.acked.length > 50) ? true : undefined,
      );
      const before = (await sentinelMasters())[0];
      const since = Date.now();
      await deletePods(before.split(".")[0]);
      await waitFor("the sentinels to agree on a new master", 180_000, async () => {
        const now = await sentinelMasters().catch(() => []);
        return now.length === 3 && new Set(now).size === 1 && now[0] !== before ? true : undefined;
      });
      const counts = writers.map((w) => w.acked.length);
      await waitFor("both clients writing to the new master", 120_000, async () =>
        writers.every((w, i) => w.acked.length > counts[i] + 50) ? true : undefined,
      );
      const master = (await sentinelMasters())[0].split(".")[0];
      const endpoints = await kubectl.json(["-n", NAMESPACE, "get", "endpoints", "redis-sentinel-master"]);
      assert.deepStrictEqual(
        (endpoints.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.targetRef.name)),
        [master],
        "the master Service selects the new master alone",
      );
      writing = false;
      await Promise.all(loops);
      const reader = new Redis({ host: await podIp(master), port: 6379, password, tls: tlsOptions(sentinelPem!) });
      try {
        for (const w of writers) {
          const keys = w.acked.map(([k]) => k);
          const values: (string | null)[] = [];
          for (let i = 0; i < keys.length; i += 1000) values.push(...(await reader.mget(...keys.slice(i, i + 1000))));
          const lost = keys.filter((k, i) => values[i] !== k);
          const after = w.acked.filter(([, t]) => t >= since).map(([, t]) => t);
          const gap = Math.max(0, ...after.map((t, i) => t - (i ? after[i - 1] : since)));
          timings.push([
            `Sentinel master deleted: ${w.name} got no acknowledgement for`,
            `${(gap / 1000).toFixed(1)} s (${w.refused} refused)`,
          ]);
          assert.deepStrictEqual(lost, [], `${w.name}: acknowledged writes lost`);
        }
      } finally {
        reader.disconnect();
      }
    } finally {
      writing = false;
      await Promise.all(loops);
      await names.close();
      sentinelClient.disconnect();
      plainClient.disconnect();
    }
  });

  it("recovers from losing every Redis Cluster pod at once, all at new addresses, with every key", async () => {
    const ids = Array.from({ length: 100 }, (_, i) => i + 1);
    // `stderr` adds redis-cli's stderr (a redirect it could not follow) to what the seeding reports.
    const pipe = async (of: readonly number[], command: string, stderr = false) =>
      (
        await clusterCliOutput("redis-cluster-0", [], {
          feed: `for i in ${of.join(" ")}; do echo "${command}"; done`,
          stderr,
        })
      )
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("-> Redirected"));
    /** The keys of `of` that do not read back as written, through redirects by DNS name. */
    const unreadable = async (of: readonly number[]) => {
      const out = await pipe(of, "GET e2e:all:$i");
      return of.filter((id, k) => out[k] !== `v${id}`);
    };
    // Seeded until every key reads back: a write right after the master test may meet a redirect
    // to a name DNS still resolves to the deleted pod's address (cache time 30 s), or one redis-cli
    // cannot follow at all (once seen for a whole minute, with nothing on stdout); say which it was.
    let unwritten = ids;
    const hiccups = new Set<string>();
    await waitFor(
      "every key written",
      180_000,
      async () => {
        const out = await pipe(unwritten, "SET e2e:all:$i v$i", true).catch((e: Error) => [e.message.split("\n")[0]]);
        for (const line of out) if (line !== "OK") hiccups.add(line);
        unwritten = await unreadable(unwritten);
        return unwritten.length === 0 ? true : undefined;
      },
      2000,
    ).catch(() => assert.fail(`keys not written: ${unwritten.join(", ")} (${[...hiccups].join("; ")})`));
    if (hiccups.size) timings.push([`  (seeding the keys met: ${[...hiccups].slice(0, 3).join("; ")})`, ""]);
    const before = await Promise.all(CLUSTER_PODS.map(podIp));
    const since = new Date();
    await deletePods(...CLUSTER_PODS);
    await allReady(CLUSTER_PODS, since);
    const after = await Promise.all(CLUSTER_PODS.map(podIp));
    // Healthy as the judges see it, from each node: its own state ok, and (for a replica) linked to its master.
    const healthy = async () => {
      const views = await Promise.all(
        after.map(async (ip) => [
          await nodeCli(ip, adminPassword, "--user", "admin", "cluster", "info"),
          await nodeCli(ip, adminPassword, "--user", "admin", "info", "replication"),
        ]),
      );
      return views.every(([c]) => /cluster_state:ok/.test(c)) &&
        views.filter(([, r]) => /role:slave/.test(r) && /master_link_status:up/.test(r)).length === 3
        ? true
        : undefined;
    };
    timings.push([
      "Redis Cluster: all 6 pods deleted at once -> Ready",
      `${((Date.now() - since.getTime()) / 1000).toFixed(1)} s`,
    ]);
    await timed("Redis Cluster: ... then cluster_state:ok everywhere, replicas linked", () =>
      waitFor("the cluster whole again", 180_000, () => healthy().catch(() => undefined), 1000),
    );
    // The title's premise, asserted: every pod came back at an address other than its own before
    // (the CNI hands out the next free address, so only a full wrap of its range could repeat one).
    const kept = CLUSTER_PODS.filter((_, i) => after[i] === before[i]);
    assert.deepStrictEqual(
      kept,
      [],
      `pods back at their old address: ${kept.join(", ")} (before ${before}, after ${after})`,
    );
    // Through redirects by DNS name, which may still give a pod's old address for the cache time.
    let missing: readonly number[] = [];
    await waitFor(
      "every key readable",
      60_000,
      async () => {
        missing = await unreadable(ids);
        return missing.length === 0 ? true : undefined;
      },
      2000,
    ).catch(() => assert.fail(`keys not read back after the restart: ${missing.join(", ")}`));
    await waitFor(
      "the cluster check passes",
      60_000,
      async () => ((await clusterCheck()).includes("[OK] All 16384 slots covered.") ? true : undefined),
      1000,
    );
  });

  it("verifies healthy after the failovers, and the next up passes", async () => {
    // Once, with no retry: each failover test above ends only when its system is whole again, so a
    // verify that fails here is a finding, not a window to wait out.
    await timed("verify after failovers (scripts/local-stack verify)", () => ok("verify"));
    await ok("up");
  });

  it("runs up with each documented access: portForward from outside, direct where the cluster's names resolve, and refuses direct from outside at once", async () => {
    const direct =
      /health\.access is "direct", but this machine cannot resolve the cluster's names \(kubernetes\.default\.svc\.cluster\.local: ENOTFOUND\)[\s\S]*set health\.access to portForward/;
    stack.writeSettings((c) => (c["middleware:health"].access = "direct"));
    try {
      const outside = await timed("up with health.access direct from outside the cluster (refused)", () =>
        stack.run("up"),
      );
      assert.notStrictEqual(outside.code, 0, "direct from a host that resolves no cluster name must fail");
      assert.match(outside.stdout + outside.stderr, direct);
      const dns = (await kubectl.json(["-n", "kube-system", "get", "service", "kube-dns"])).spec.clusterIP;
      const inside = await timed("up with health.access direct where the cluster's names resolve", () =>
        stack.runWithClusterDns(dns, "up", "--diff"),
      );
      assert.strictEqual(inside.code, 0, `${inside.stdout.slice(-6000)}\n${inside.stderr.slice(-4000)}`);
      // Every post-deploy resource ran again with the new access, and the checks after up passed.
      assert.match(inside.stdout, /kind +: "portForward" => "direct"/);
      for (const check of ["ZooKeeper", "Redis", "Redis Cluster", "Redis Sentinel"])
        assert.match(inside.stdout, new RegExp(`^ok +${check} \\(`, "m"));
    } finally {
      stack.writeSettings();
    }
    await ok("up");
  });

  it("stops a seeded policy violation at preview with the policy's message", async () => {
    stack.writeSettings((c) => {
      c["middleware:storage"].reclaimPolicy = "Delete";
    });
    const r = await stack.run("preview");
    assert.notStrictEqual(r.code, 0, "a mandatory violation must fail the preview");
    assert.ok(r.stdout.length > 0, `no summary printed; stderr:\n${r.stderr.slice(-4000)}`);
    assert.match(r.stdout, /### Preview of `local`: \*\*fails\*\*/);
    assert.match(r.stdout, /MANDATORY `persistentvolume-reclaim-retain`.*has reclaim policy Delete; use Retain/);
    stack.writeSettings();
  });

  it("refuses at preview a second stack on this stack's volume root, naming the volumes it would share", async () => {
    const other = new E2eStack(`${NAMESPACE}-two`, VOLUME_ROOT);
    try {
      const r = await timed("preview of a second stack on the same volume root (refused)", () => other.run("preview"));
      assert.notStrictEqual(r.code, 0);
      const out = r.stdout + r.stderr;
      assert.match(
        out,
        new RegExp(
          `storage\\.nfs\\.path: ${VOLUME_ROOT} on 127\\.0\\.0\\.1 already holds volumes that are not this stack's: ${NAMESPACE}-`,
        ),
      );
      assert.match(out, new RegExp(`claimed from namespace ${NAMESPACE}\\)`));
      assert.match(out, /Give this stack a root of its own/);
    } finally {
      // Its namespace and deployer account exist (scripts/local-stack makes them before a preview).
      // Not removeLeftovers: its volume root is this stack's own.
      await kubectl.run(["delete", "namespace", other.namespace, "--ignore-not-found", "--wait=false"]);
      await other.removeDeployer(kubectl);
      other.cleanup();
    }
  });

  it("refuses a ZooKeeper resize and a volume move under running pods, changing nothing", async () => {
    stack.writeSettings((c) => {
      c["middleware:zookeeper"] = { ...c["middleware:zookeeper"], replicas: 5 };
    });
    const preview = await stack.run("preview");
    assert.notStrictEqual(preview.code, 0);
    assert.match(
      preview.stdout + preview.stderr,
      /zookeeper\.replicas: changing "3" to "5" on a deployed stack is refused/,
    );

    // Acknowledged but not stopped: the guard finds the members answering before anything changes.
    stack.writeSettings((c) => {
      c["middleware:zookeeper"] = { ...c["middleware:zookeeper"], replicas: 5, resizeFrom: 3 };
    });
    const up = await stack.run("up");
    assert.notStrictEqual(up.code, 0);
    assert.match(
      up.stdout + up.stderr,
      /zookeeper\.replicas change stopped before anything changed: zookeeper-0\.[^ ]+:2181, .* still accept connections/,
    );
    assert.strictEqual((await kubectl.json(["-n", NAMESPACE, "get", "statefulset", "zookeeper"])).spec.replicas, 3);
    const zooCfg = (await kubectl.json(["-n", NAMESPACE, "get", "configmap", "zookeeper-config"])).data["zoo.cfg"];
    assert.doesNotMatch(zooCfg, /^server\.4=/m, "the members' config did not change");
    assert.strictEqual(
      (await kubectl.run(["get", "pv", `${NAMESPACE}-zookeeper-3`])).code,
      1,
      "no volume was created for a new member",
    );

    stack.writeSettings((c) => {
      c["middleware:storage"].nfs.path = `${VOLUME_ROOT}-moved`;
    });
    // scripts/local-stack makes the directory under the export before the preview refuses the move.
    const move = await stack
      .run("preview")
      .finally(() => fs.rmSync(`${VOLUME_ROOT}-moved`, { recursive: true, force: true }));
    assert.notStrictEqual(move.code, 0);
    assert.ok(
      (move.stdout + move.stderr).includes(
        `storage: changing "nfs:127.0.0.1:${VOLUME_ROOT}" to "nfs:127.0.0.1:${VOLUME_ROOT}-moved" on a deployed stack is refused`,
      ),
      (move.stdout + move.stderr).slice(-3000),
    );
    stack.writeSettings();
    await ok("up");
  });

  it("destroys everything but the Retain volumes, which keep their data", async () => {
    await timed("destroy (scripts/local-stack destroy)", () => ok("destroy"));
    await waitFor(
      `namespace ${NAMESPACE} gone`,
      180_000,
      async () => ((await kubectl.run(["get", "namespace", NAMESPACE])).code !== 0 ? true : undefined),
      1000,
    );
    const pvs = (await kubectl.json(["get", "pv"])).items.filter((pv: any) =>
      pv.metadata.name.startsWith(`${NAMESPACE}-`),
    );
    assert.strictEqual(pvs.length, VOLUMES, pvs.map((pv: any) => pv.metadata.name).join(", "));
    for (const pv of pvs) assert.strictEqual(pv.spec.persistentVolumeReclaimPolicy, "Retain");
    // The data itself, not just a file: a redis-server of the same version loads a copy of
    // redis-0's AOF and serves the key written before every restart, failover and rotation.
    const copy = new RedisServer(await freePort(), {}, fs.mkdtempSync(path.join(os.tmpdir(), "kept-volume-")));
    fs.cpSync(`${VOLUME_ROOT}/redis-0/appendonlydir`, path.join(copy.dir, "appendonlydir"), { recursive: true });
    try {
      await copy.start();
      const c = await copy.admin();
      assert.strictEqual(await c.get("e2e:standalone"), "kept", "redis-0's volume holds the key after destroy");
      c.disconnect();
    } finally {
      await copy.kill();
      fs.rmSync(copy.dir, { recursive: true, force: true });
    }
  });
});
