// The fault suite: the local stack deployed by the main job, each system written to continuously by
// a client that reaches it by its Service names (harness/fault-writers.ts), and one fault at a
// time: a master or leader deleted or paused past the timeout that declares it dead, every pod of a
// system deleted at once, two of three ZooKeeper members stopped. Each scenario reports the time
// until the system named a new master or leader, the longest time no write was acknowledged, the
// time until every observer agreed again, the acknowledged writes lost and the master changes, as
// a table after the run. Pass: no durably acknowledged write lost (Redis: WAIT-acknowledged by a
// replica; ZooKeeper: every write) and every system whole again. Times are printed, never asserted.
import * as assert from "assert";
import { createHash } from "crypto";
import {
  ClusterEnv,
  Kubectl,
  clusterEnv,
  ensureCluster,
  localCluster,
  nfsServerOutage,
  signalPodProcess,
} from "../../harness/cluster";
import { TlsFiles, redisCliTls } from "../../harness/tls";
import {
  Ack,
  ClusterDns,
  RedisClusterWriter,
  SentinelWriter,
  Writer,
  ZooKeeperWriter,
} from "../../harness/fault-writers";
import { redisCli, zooKeeperMode } from "../../harness/judges";
import { E2eStack, SUITE_STACKS, clearSuiteStacks } from "../../harness/local-stack";
import { PodLogs } from "../../harness/pod-logs";
import { RollWatch, podUids, watchingRoll } from "../../harness/rolls";
import { waitFor } from "../../harness/processes";

const { namespace: NAMESPACE, volumeRoot: VOLUME_ROOT } = SUITE_STACKS.faults;
const CLUSTER_DNS = "10.96.0.10";
const ZONE = `${NAMESPACE}.svc.cluster.local`;
const ZOOKEEPERS = [0, 1, 2].map((i) => `zookeeper-${i}`);
const CLUSTER_PODS = [0, 1, 2, 3, 4, 5].map((i) => `redis-cluster-${i}`);
const SENTINEL_DATA = [0, 1, 2].map((i) => `redis-sentinel-data-${i}`);
const SENTINELS = [0, 1, 2].map((i) => `redis-sentinel-${i}`);
const ALL_REDIS = ["redis-0", ...CLUSTER_PODS, ...SENTINEL_DATA, ...SENTINELS];
/** A Sentinel data pod's own scripts and the server's role changes: what explains a lost write. */
const DATA_POD_EVENTS =
  /redis-(handover|entrypoint|master-fence|promotable)|MASTER MODE|Connecting to MASTER|MASTER <-> REPLICA sync: (Finished|Master accepted)|REPLICAOF|SLAVE OF|[Ss]hutdown|Ready to accept/;
/** Longer than the local stack's cluster-node-timeout and Sentinel down-after (5 s each). */
const PAUSE_MS = 15_000;
/** An NFS server down this long (#26): longer than every failure detector, shorter than liveness (3 x 20 s). */
const NFS_OUTAGE_MS = 30_000;
/**
 * What a Redis master under appendfsync everysec may acknowledge once its storage stops: while the
 * fsync of the last second hangs, it holds its AOF writes back for up to 2 s from the first one it
 * postponed, replying meanwhile ("Asynchronous AOF fsync is taking too long"), then writes anyway
 * and blocks. The 2 s start with the first write the master gets after the kill, which can come
 * long after it when the writer was stuck on another master (seen: a cluster master's first ack
 * at 8.2 s). So the window is judged per master: 2 s, plus WAIT's 1 s timeout, plus 1 s of slack.
 */
const EVERYSEC_WINDOW_MS = 4_000;
/** A write in flight at the kill, processed before it, is acknowledged within WAIT's 1 s. */
const IN_FLIGHT_MS = 1_000;

interface Row {
  readonly scenario: string;
  readonly newLeader: string;
  readonly window: string;
  readonly agreed: string;
  readonly lost: string;
  readonly changes: number;
}

const seconds = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);

describe("faults on the local stack (tests/faults)", function () {
  this.timeout(1_800_000);
  const stack = new E2eStack(NAMESPACE, VOLUME_ROOT, false);
  const rows: Row[] = [];
  const lostBefore = new Set<string>();
  let kubectl: Kubectl;
  let env: ClusterEnv;
  let startedCluster = false;
  let password = "";
  let zkSuper = "";
  let names: ClusterDns;
  /** The applications' certificate for the Redis Cluster (its client Secret), for the writers and redis-cli. */
  let clusterTls: { files: TlsFiles; args: string[] };
  let sentinelTls: { files: TlsFiles; args: string[] };
  /** The applications' certificate for ZooKeeper (its client Secret), for the writers and srvr. */
  let zkTls: TlsFiles;
  let standaloneTls: string[];
  let dataPodLogs: PodLogs | undefined;
  let followerLogs: PodLogs | undefined;

  const podIp = async (pod: string): Promise<string> =>
    (await kubectl.json(["-n", NAMESPACE, "get", "pod", pod])).status.podIP;
  const deletePods = (...pods: string[]) => kubectl.check(["-n", NAMESPACE, "delete", "pod", ...pods, "--wait=false"]);

  const signalServer = (pod: string, comm: string, signal: "STOP" | "CONT") =>
    signalPodProcess(kubectl, NAMESPACE, pod, comm, signal);

  // Who leads each system now, as its own members say; undefined while they do not agree.
  const clusterView = async (): Promise<string | undefined> => {
    const views = await Promise.all(
      CLUSTER_PODS.map(async (p) => {
        const ip = await podIp(p);
        const info = await redisCli(ip, 6379, password, ...clusterTls.args, "cluster", "info");
        const nodes = await redisCli(ip, 6379, password, ...clusterTls.args, "cluster", "nodes");
        if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return undefined;
        const lines = nodes.split("\n").map((l) => l.split(" "));
        // id address flags master ping pong epoch link slots...: masters that serve slots.
        const masters = lines
          .filter((f) => f[2].split(",").includes("master") && !f[2].includes("fail") && f.length > 8)
          .map((f) => f[0])
          .sort();
        const linked = lines.every((f) => !/fail|handshake|noaddr/.test(f[2]) && f[7] === "connected");
        return linked ? masters.join(",") : undefined;
      }),
    ).catch(() => [undefined]);
    return views.every((v) => v && v === views[0]) ? views[0] : undefined;
  };
  const sentinelView = async (): Promise<string | undefined> => {
    const masters = await Promise.all(
      SENTINELS.map(
        async (s) =>
          (
            await redisCli(
              await podIp(s),
              26379,
              password,
              ...sentinelTls.args,
              "sentinel",
              "get-master-addr-by-name",
              "mymaster",
            )
          ).split("\n")[0],
      ),
    ).catch(() => [undefined]);
    if (!masters.every((m) => m && m === masters[0])) return undefined;
    const pod = masters[0]!.split(".")[0];
    const replication = await redisCli(
      await podIp(pod),
      6379,
      password,
      ...sentinelTls.args,
      "info",
      "replication",
    ).catch(() => "");
    return /role:master/.test(replication) && /connected_slaves:2/.test(replication) ? pod : undefined;
  };
  const zooKeeperView = async (): Promise<string | undefined> => {
    const modes = await Promise.all(ZOOKEEPERS.map(async (p) => zooKeeperMode(await podIp(p), zkTls.pem))).catch(
      () => undefined,
    );
    if (
      !modes ||
      modes.filter((m) => m === "leader").length !== 1 ||
      modes.some((m) => m !== "leader" && m !== "follower")
    )
      return undefined;
    return ZOOKEEPERS[modes.indexOf("leader")];
  };
  /** What the next person needs to find a Sentinel loss: the failover as the sentinels logged it, and each data pod's replication. */
  const sentinelEvidence = async (since: number) => {
    const out: string[] = [];
    for (const p of SENTINELS) {
      const log = await kubectl.run([
        "-n",
        NAMESPACE,
        "logs",
        p,
        `--since-time=${new Date(since - 30_000).toISOString()}`,
      ]);
      out.push(
        `--- ${p}`,
        ...log.stdout
          .split("\n")
          .filter((l) =>
            /switch-master|selected-slave|failover-end|promoted|odown|sdown|convert-to-slave|no-good/.test(l),
          ),
      );
    }
    // What each data pod said, the incarnations a roll replaced and their preStop hooks included.
    out.push(
      ...(dataPodLogs?.text(since - 30_000, DATA_POD_EVENTS) ?? []),
      ...(followerLogs?.text(since - 30_000, /redis-follow-sentinels/) ?? []),
    );
    for (const p of SENTINEL_DATA) {
      const info = await redisCli(await podIp(p), 6379, password, ...sentinelTls.args, "info", "replication").catch(
        (e: Error) => e.message,
      );
      out.push(`--- ${p}`, ...info.split("\n").filter((l) => /role|master_host|link_status|offset|slave\d/.test(l)));
    }
    return out.map((l) => `        ${l}`).join("\n");
  };

  /** Members that lead: cluster masters holding slots, the Sentinel master, the ZooKeeper leader. */
  const leaderOf: Record<string, () => Promise<string | undefined>> = {
    "Redis Cluster": clusterView,
    "Redis Sentinel": sentinelView,
    ZooKeeper: zooKeeperView,
  };

  /** Counts the changes of leader `view` names from `before` on, and when the first came. */
  const watchLeader = (view: () => Promise<string | undefined>, before: string, t0: number) => {
    let newLeaderAt: number | undefined;
    let last = before;
    let changes = 0;
    let watching = true;
    const loop = (async () => {
      while (watching) {
        const now = await view().catch(() => undefined);
        if (now !== undefined && now !== last) {
          changes++;
          newLeaderAt ??= Date.now() - t0;
          last = now;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    return async () => {
      watching = false;
      await loop;
      return { changes, newLeaderAt };
    };
  };

  /**
   * Runs one fault under the writers' load: waits for a steady state, injects, waits until every
   * writer is acknowledged again and every observer agrees, then counts what each lost.
   */
  const scenario = async (name: string, writers: Writer | Writer[], inject: (leader: string) => Promise<void>) => {
    const all = Array.isArray(writers) ? writers : [writers];
    const before = await Promise.all(all.map((w) => waitFor(`${w.system} steady`, 180_000, leaderOf[w.system], 500)));
    for (const w of all)
      await waitFor("writes acknowledged", 60_000, async () => (w.acked.length > 20 ? true : undefined), 200);
    const t0 = Date.now();
    const watches = all.map((w, i) => watchLeader(leaderOf[w.system], before[i], t0));
    const agreedAt: number[] = [];
    let watched: { changes: number; newLeaderAt?: number }[];
    try {
      await inject(before[0]);
      await Promise.all(
        all.map(async (w, i) => {
          const acks = w.acked.length;
          await waitFor(
            `${name}: ${w.system} writes acknowledged again`,
            300_000,
            async () => {
              if (w.acked.length > acks + 30) return true;
              // On a timeout, waitFor names this: why the writes are refused.
              if (w.lastError)
                throw new Error(`${w.acked.length - acks} acknowledged since, last refusal: ${w.lastError}`);
              return undefined;
            },
            200,
          );
          await waitFor(
            `${name}: every ${w.system} observer agrees`,
            300_000,
            async () => ((await leaderOf[w.system]()) !== undefined ? true : undefined),
            500,
          );
          agreedAt[i] = Date.now() - t0;
        }),
      );
    } finally {
      watched = await Promise.all(watches.map((stop) => stop()));
    }
    const failures: string[] = [];
    for (const [i, w] of all.entries()) {
      // Every write acknowledged so far is read back; a loss is counted once, in the scenario that caused it.
      const durable = w.acked.slice();
      const lostNow = await waitFor(
        `${name}: ${w.system} read back`,
        60_000,
        async () => w.lost(durable).catch(() => undefined),
        1000,
      );
      const lost = lostNow.filter((k) => !lostBefore.has(k));
      lostNow.forEach((k) => lostBefore.add(k));
      const unreplicated = await w.lost(w.ackedUnreplicated).catch(() => []);
      rows.push({
        scenario: `${w.system}: ${name}`,
        newLeader: seconds(watched[i].newLeaderAt),
        window: seconds(w.longestGap(t0)),
        agreed: seconds(agreedAt[i]),
        lost: `${lost.length}/${durable.length}${w.ackedUnreplicated.length ? ` (+${unreplicated.length}/${w.ackedUnreplicated.length} unreplicated)` : ""}`,
        changes: watched[i].changes,
      });
      if (lost.length) {
        const evidence = w.system === "Redis Sentinel" ? `\n${await sentinelEvidence(t0)}` : "";
        failures.push(
          `${w.system}: ${lost.length} durably acknowledged writes lost, first ${lost.slice(0, 10).join(", ")}${evidence}`,
        );
      }
    }
    assert.deepStrictEqual(failures, [], `${name}: acknowledged writes lost`);
  };

  before(async () => {
    startedCluster = await ensureCluster();
    env = await clusterEnv();
    kubectl = new Kubectl(env);
    await clearSuiteStacks(kubectl);
    const up = await stack.run("up");
    assert.strictEqual(
      up.code,
      0,
      `scripts/local-stack up exited ${up.code}\n${up.stdout.slice(-6000)}\n${up.stderr.slice(-3000)}`,
    );
    password = await stack.secret("redisPassword");
    zkSuper = await stack.secret("zookeeperAdminPassword");
    const files = await kubectl.clientTls(NAMESPACE, "redis-cluster-client-tls");
    clusterTls = { files, args: redisCliTls(files) };
    const sentinelFiles = await kubectl.clientTls(NAMESPACE, "redis-sentinel-client-tls");
    sentinelTls = { files: sentinelFiles, args: redisCliTls(sentinelFiles) };
    zkTls = await kubectl.clientTls(NAMESPACE, "zookeeper-client-tls");
    standaloneTls = redisCliTls(await kubectl.clientTls(NAMESPACE, "redis-client-tls"));
    dataPodLogs = new PodLogs(kubectl, NAMESPACE, SENTINEL_DATA, "redis").start();
    followerLogs = new PodLogs(kubectl, NAMESPACE, SENTINEL_DATA, "follow-sentinels").start();
    names = new ClusterDns(CLUSTER_DNS, [
      ...SENTINEL_DATA.map((p) => `${p}.redis-sentinel-data-headless.${ZONE}`),
      ...CLUSTER_PODS.map((p) => `${p}.redis-cluster-headless.${ZONE}`),
    ]);
  });

  after(async () => {
    dataPodLogs?.stop();
    followerLogs?.stop();
    const header = ["scenario", "new master/leader", "no ack for", "all agree", "acked lost", "master changes"];
    const table = [
      header,
      ...rows.map((r) => [r.scenario, r.newLeader, r.window, r.agreed, r.lost, String(r.changes)]),
    ];
    console.log(`\n${table.map((cells) => `| ${cells.join(" | ")} |`).join("\n")}\n`);
    await names?.close();
    await stack.run("destroy");
    await kubectl?.run(["delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=180s"]);
    if (kubectl) await stack.removeLeftovers(kubectl);
    stack.cleanup();
    if (startedCluster) await localCluster("down");
  });

  describe("Redis Cluster, written by an ioredis Cluster client (SET + WAIT 1)", () => {
    let w: RedisClusterWriter;
    before(async () => {
      w = await RedisClusterWriter.open(names, `redis-cluster.${ZONE}`, password, "cluster", clusterTls.files.pem);
      w.start();
    });
    after(() => w?.close());

    /** A pod serving slots as master, by the address its node announces. */
    const aMaster = async () => {
      const nodes = await redisCli(
        await podIp(CLUSTER_PODS[0]),
        6379,
        password,
        ...clusterTls.args,
        "cluster",
        "nodes",
      );
      const line = nodes.split("\n").find((l) => l.split(" ")[2].includes("master") && l.split(" ").length > 8)!;
      const ip = line.split(" ")[1].split(":")[0];
      for (const p of CLUSTER_PODS) if ((await podIp(p)) === ip) return p;
      throw new Error(`no pod at ${ip}`);
    };

    it("a master deleted (its preStop hands the slots to its replica)", () =>
      scenario("a master deleted", w, async () => {
        await deletePods(await aMaster());
      }));
    it("a master paused past node-timeout (SIGSTOP), then resumed", () =>
      scenario("a master paused 15 s", w, async () => {
        const pod = await aMaster();
        await signalServer(pod, "redis-server", "STOP");
        await new Promise((r) => setTimeout(r, PAUSE_MS));
        await signalServer(pod, "redis-server", "CONT");
      }));
    it("every pod deleted at once", () =>
      scenario("every pod deleted at once", w, async () => {
        await deletePods(...CLUSTER_PODS);
      }));
  });

  describe("Redis Sentinel, written by an ioredis Sentinel client (SET + WAIT 1)", () => {
    let w: SentinelWriter;
    before(async () => {
      w = await SentinelWriter.open(
        names,
        `redis-sentinel.${ZONE}`,
        "mymaster",
        password,
        "sentinel",
        sentinelTls.files.pem,
      );
      w.start();
    });
    after(() => w?.close());

    it("the master deleted (its preStop hands over)", () =>
      scenario("the master deleted", w, (m) => deletePods(m).then(() => undefined)));
    it("the master paused past down-after (SIGSTOP), then resumed", () =>
      scenario(
        "the master paused 15 s",
        w,
        // Right after the handover above, the restarted pod is out of the sentinels' sight (its
        // name still resolves to its old address): before the follow-sentinels sidecar it stayed
        // with the paused master, which took 274-339 WAIT-acknowledged writes after it resumed.
        async (m) => {
          await signalServer(m, "redis-server", "STOP");
          await new Promise((r) => setTimeout(r, PAUSE_MS));
          await signalServer(m, "redis-server", "CONT");
        },
      ));
    it("every data and sentinel pod deleted at once", () =>
      scenario("every pod deleted at once", w, async () => {
        await deletePods(...SENTINEL_DATA, ...SENTINELS);
      }));
  });

  describe("ZooKeeper, written as a register with versioned setData", () => {
    let w: ZooKeeperWriter;
    before(async () => {
      w = await ZooKeeperWriter.open(names, `zookeeper.${ZONE}`, zkSuper, "/fault-register", zkTls.pem);
      w.start();
    });
    after(() => w?.close());

    it("the leader deleted", () =>
      scenario("the leader deleted", w, (leader) => deletePods(leader).then(() => undefined)));
    it("two of three members stopped, then back", () =>
      scenario("two members deleted at once", w, async (leader) => {
        await deletePods(...ZOOKEEPERS.filter((p) => p !== leader).slice(0, 1), leader);
      }));
    it("every member deleted at once", () =>
      scenario("every member deleted at once", w, async () => {
        await deletePods(...ZOOKEEPERS);
      }));
  });

  type AllWriters = [RedisClusterWriter, SentinelWriter, ZooKeeperWriter];
  /** A writer for each system at once, started; `tag` prefixes the Redis keys, `register` is the znode. */
  const startAllWriters = async (tag: string, register: string): Promise<AllWriters> => {
    const writers: AllWriters = [
      await RedisClusterWriter.open(names, `redis-cluster.${ZONE}`, password, tag, clusterTls.files.pem),
      await SentinelWriter.open(names, `redis-sentinel.${ZONE}`, "mymaster", password, tag, sentinelTls.files.pem),
      await ZooKeeperWriter.open(names, `zookeeper.${ZONE}`, zkSuper, register, zkTls.pem),
    ];
    writers.forEach((w) => w.start());
    return writers;
  };

  /**
   * The acks of `acks` given while the server was down that no storage could have taken: past
   * IN_FLIGHT_MS, one with no master named (ZooKeeper), or one more than EVERYSEC_WINDOW_MS after
   * its master's first.
   */
  const pastEverysecWindow = (acks: readonly Ack[], outage: { downAt: number; backAt: number }): number[] => {
    const firstOf = new Map<string, number>();
    const blind: number[] = [];
    for (const a of acks.filter((a) => a.at > outage.downAt + IN_FLIGHT_MS && a.at < outage.backAt)) {
      if (a.node === undefined) {
        blind.push(a.at);
        continue;
      }
      const first = firstOf.get(a.node) ?? a.at;
      firstOf.set(a.node, first);
      if (a.at > first + EVERYSEC_WINDOW_MS) blind.push(a.at);
    }
    return blind;
  };

  describe("the NFS server under every volume down for 30 s, every system written at once", () => {
    let writers: AllWriters;
    before(async () => {
      writers = await startAllWriters("nfs", "/fault-nfs-register");
    });
    after(() => Promise.all(writers?.map((w) => w.close()) ?? []));

    const restarts = async () =>
      new Map<string, number>(
        (await kubectl.json(["-n", NAMESPACE, "get", "pods"])).items.map((p: any) => [
          p.metadata.name,
          (p.status.containerStatuses ?? []).reduce((n: number, c: any) => n + c.restartCount, 0),
        ]),
      );

    it("blocks every write while it is down (none acknowledged past everysec's allowance, none lost), restarts no pod, and every system is whole again", async () => {
      const before = await restarts();
      const clusterLogs = new PodLogs(kubectl, NAMESPACE, CLUSTER_PODS, "redis").start();
      let outage = { downAt: 0, backAt: 0 };
      let watch: RollWatch | undefined;
      await scenario("the NFS server down 30 s", writers, async () => {
        [outage, watch] = await watchingRoll(kubectl, NAMESPACE, [...ALL_REDIS, ...ZOOKEEPERS], async () => {
          const o = await nfsServerOutage(env, NFS_OUTAGE_MS);
          // The probes' verdicts until every pod is Ready again are part of what is watched.
          await waitFor(
            "every pod Ready after the NFS server came back",
            300_000,
            async () => {
              const pods = (await kubectl.json(["-n", NAMESPACE, "get", "pods"])).items.filter(
                (p: any) => !p.metadata.name.includes("volume-dirs"),
              );
              return pods.every((p: any) =>
                p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"),
              )
                ? true
                : undefined;
            },
            2000,
          );
          return o;
        });
      });
      // What the probes did: readiness takes a blocked server out of its Services; liveness (three
      // misses 20 s apart) must not restart one for an outage of this length.
      // A StatefulSet none of whose pods changed is not listed.
      const notReady = [...watch!.notReady].map(([sts, n]) => `${sts} ${n}`).join(", ") || "no pod changed";
      const after = await restarts();
      const restarted = [...after].filter(([pod, n]) => n !== (before.get(pod) ?? n)).map(([pod]) => pod);
      console.log(`      most pods not Ready at once: ${notReady}`);
      // The kubelet's own account: each failed probe is an Unhealthy event.
      const unhealthy = (
        await kubectl.json(["-n", NAMESPACE, "get", "events", "--field-selector", "reason=Unhealthy"])
      ).items.filter((e: any) => Date.parse(e.lastTimestamp ?? e.eventTime) >= outage.downAt);
      const failed = new Map<string, number>();
      for (const e of unhealthy) {
        const kind = /^(\w+) probe/.exec(e.message)?.[1] ?? "?";
        const key = `${e.involvedObject.name} ${kind}${e.involvedObject.fieldPath ? ` (${e.involvedObject.fieldPath})` : ""}`;
        failed.set(key, (failed.get(key) ?? 0) + (e.count ?? 1));
      }
      console.log(
        // An event's count is over its life: a pod that failed the same probe in an earlier scenario counts those too.
        `      probes that failed since the NFS server went down (event counts, earlier failures of the same probe included): ${[...failed].map(([k, n]) => `${k} x${n}`).join("; ") || "none"}`,
      );
      clusterLogs.stop();
      const sinceDown = (at: number) => `${((at - outage.downAt) / 1000).toFixed(1)} s`;
      for (const w of writers) {
        const down = w.acked.filter((a) => a.at > outage.downAt && a.at < outage.backAt);
        const masters = new Map<string, string[]>();
        for (const a of down) masters.set(a.node ?? "-", [...(masters.get(a.node ?? "-") ?? []), sinceDown(a.at)]);
        const perMaster = [...masters.values()].map((at) =>
          at.length > 1 ? `${at[0]} to ${at[at.length - 1]}` : at[0],
        );
        console.log(
          `      ${w.system}: ${down.length} acknowledged after the NFS server went down` +
            `${down.length ? ` (${perMaster.join("; ")}, by ${masters.size} server(s))` : ""}; it was back at ${sinceDown(outage.backAt)}`,
        );
      }
      // Past everysec's window, a write acknowledged while the server is down cannot be on its
      // disk: the hard mount must block the writer instead. ZooKeeper commits only what its log
      // fsynced, so it has no window at all.
      const blind = writers
        .map((w) => ({ system: w.system, at: pastEverysecWindow(w.acked, outage).map(sinceDown) }))
        .filter((b) => b.at.length);
      assert.deepStrictEqual(
        blind,
        [],
        `writes acknowledged while the NFS server was down:\n${clusterLogs.text(outage.downAt - 5000, /AOF|fsync|FAIL|ailover|MASTER/).join("\n")}`,
      );
      assert.deepStrictEqual(restarted, [], "containers restarted by an NFS outage shorter than the liveness budget");
    });
  });

  // Nested: mocha runs a describe block's own tests before its nested blocks.
  describe("rolling changes by `pulumi up`, every system written at once", () => {
    let writers: AllWriters;
    before(async () => {
      writers = await startAllWriters("roll", "/fault-roll-register");
    });
    // Bounded: a writer stuck in a client call must fail this hook, not hold the suite for its timeout.
    after(() =>
      Promise.race([
        Promise.all(writers?.map((w) => w.close()) ?? []),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("the writers did not stop within 30 s")), 30_000).unref(),
        ),
      ]),
    );
    const up = async () => {
      const result = await stack.run("up");
      assert.strictEqual(
        result.code,
        0,
        `up exited ${result.code}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-2000)}`,
      );
    };
    // `up` while watching the pods: how many of each StatefulSet were stopped, and not Ready, at once.
    const rolled = async (f: () => Promise<void>) =>
      (await watchingRoll(kubectl, NAMESPACE, [...ALL_REDIS, ...ZOOKEEPERS], f))[1];
    const assertOneAtATime = (watch: RollWatch) => {
      for (const [sts, n] of watch.stopped) assert.ok(n <= 1, `${sts}: ${n} pods were stopped at once during the roll`);
      // A Redis pod that is up but not Ready is a replica without its master's data: a roll must
      // never stop the next pod while one is. A ZooKeeper member is not Ready while the ensemble
      // elects a new leader, which every member does when the leader restarts: that window is the
      // writer's no-ack time, not a second member stopped.
      for (const [sts, n] of watch.notReady)
        if (sts !== "zookeeper") assert.ok(n <= 1, `${sts}: ${n} pods were not Ready at once during the roll`);
    };

    it("a config change that rolls every Redis and ZooKeeper pod, one at a time", async () => {
      const before = await podUids(kubectl, NAMESPACE);
      await scenario("a rolling config change", writers, async () => {
        stack.writeSettings((c) => {
          c["middleware:redisCluster"].maxmemory = "48mb";
          c["middleware:redisSentinel"].maxmemory = "48mb";
          c["middleware:zookeeper"].heap = "120m";
        });
        assertOneAtATime(await rolled(up));
      });
      const now = await podUids(kubectl, NAMESPACE);
      for (const p of [...CLUSTER_PODS, ...SENTINEL_DATA, ...ZOOKEEPERS])
        assert.notStrictEqual(now.get(p), before.get(p), `${p} must have rolled`);
      assert.strictEqual(now.get("redis-0"), before.get("redis-0"), "the standalone Redis, unchanged, must not roll");
      const admin = await stack.secret("redisAdminPassword");
      for (const [pod, tls] of [
        [CLUSTER_PODS[3], clusterTls],
        [SENTINEL_DATA[1], sentinelTls],
      ] as const) {
        const maxmemory = await redisCli(
          await podIp(pod),
          6379,
          admin,
          ...tls.args,
          "--user",
          "admin",
          "config",
          "get",
          "maxmemory",
        );
        assert.match(maxmemory, new RegExp(`^${48 * 1024 * 1024}$`, "m"), `${pod} runs the new maxmemory`);
      }
    });
    it("the client password rotated in two steps, every Redis pod rolled twice: no client refused for its password", async () => {
      const authErrors = () =>
        writers.slice(0, 2).map((w) => (w.errors.get("WRONGPASS") ?? 0) + (w.errors.get("NOAUTH") ?? 0));
      const before = authErrors();
      const old = password;
      const rotated = `rotated-${Date.now()}-fault-password`;
      const setSecret = async (key: string, value: string) => {
        const set = await stack.runWithInput(value, "pulumi", "config", "set", "--secret", key, "--non-interactive");
        assert.strictEqual(set.code, 0, set.stderr);
      };
      // Asked for its address each time: the rotation replaces the pod.
      const standaloneCli = async (pw: string, ...args: string[]) =>
        redisCli(await podIp("redis-0"), 6379, pw, ...standaloneTls, ...args);
      assert.strictEqual(await standaloneCli(old, "set", "fault:standalone", "kept"), "OK");
      const uids = await podUids(kubectl, NAMESPACE);
      const start = Date.now();
      await scenario("a client password rotation", writers, async () => {
        // Step 1: the servers take the new password and keep the old one; applications still use the old.
        await setSecret("redisPreviousPassword", password);
        await setSecret("redisPassword", rotated);
        assertOneAtATime(await rolled(up));
        password = rotated;
        // The applications move over, then step 2 retires the old password.
        writers[0].usePassword(rotated);
        writers[1].usePassword(rotated);
        const rm = await stack.run("pulumi", "config", "rm", "redisPreviousPassword");
        assert.strictEqual(rm.code, 0, rm.stderr);
        assertOneAtATime(await rolled(up));
      });
      const now = await podUids(kubectl, NAMESPACE);
      for (const p of ALL_REDIS) assert.notStrictEqual(now.get(p), uids.get(p), `${p} must have rolled`);
      for (const p of ZOOKEEPERS) assert.strictEqual(now.get(p), uids.get(p), "ZooKeeper must not roll");
      // Each master that rolled handed over first, and only once the DNS named every replica at its
      // new address: no replica sat redialling an address a pod no longer has (repl-timeout, 60 s).
      const stalled = dataPodLogs!.text(start, /Timeout connecting to the MASTER/);
      assert.ok(
        stalled.every((l) => l.startsWith("--- ")),
        `a replica stalled on a master's old address:\n${dataPodLogs!.text(start, /Connecting to MASTER|Timeout connecting|REPLICAOF|redis-handover/).join("\n")}`,
      );
      await assert.rejects(standaloneCli(old, "ping"), /WRONGPASS|invalid username-password/);
      assert.strictEqual(await standaloneCli(rotated, "get", "fault:standalone"), "kept");
      // Nothing in the API server gives the password away: not the StatefulSets, not the pods.
      const visible = JSON.stringify(await kubectl.json(["-n", NAMESPACE, "get", "statefulsets,pods,configmaps"]));
      assert.ok(
        !visible.includes(rotated) &&
          !visible.includes(createHash("sha256").update(rotated).digest("hex").slice(0, 16)),
        "the new password, or its hash, is readable in a StatefulSet, pod or ConfigMap",
      );
      assert.deepStrictEqual(
        authErrors(),
        before,
        "writes refused for their password (WRONGPASS, NOAUTH) during the rotation",
      );
      // The old password is refused now, the new one taken.
      const master = (await kubectl.json(["-n", NAMESPACE, "get", "pods", "-l", "middleware/redis-role=master"]))
        .items[0];
      assert.match(await redisCli(master.status.podIP, 6379, rotated, ...sentinelTls.args, "ping"), /PONG/);
      await assert.rejects(
        redisCli(master.status.podIP, 6379, old, ...sentinelTls.args, "ping"),
        /WRONGPASS|NOAUTH|AUTH failed/,
      );
    });
  });

  describe("afterwards", () => {
    it("leaves no pod restarting for good", async () => {
      // Ready follows serving by up to a readiness period (10 s): "for good" is still not Ready 2 min on.
      const notReady = async () =>
        (await kubectl.json(["-n", NAMESPACE, "get", "pods"])).items
          .filter((p: any) => !p.metadata.name.includes("volume-dirs"))
          .filter((p: any) => !p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"))
          .map((p: any) => p.metadata.name);
      const left = await waitFor(
        "every pod Ready",
        120_000,
        async () => ((await notReady()).length === 0 ? [] : undefined),
        2000,
      ).catch(notReady);
      assert.deepStrictEqual(left, []);
      const verify = await stack.run("verify");
      assert.strictEqual(verify.code, 0, verify.stdout.slice(-3000) + verify.stderr.slice(-2000));
    });
  });
});
