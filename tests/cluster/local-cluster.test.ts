// The local cluster, judged by Kubernetes itself: a Ready node, cluster DNS and Service routing,
// our image pulled by digest with an imagePullSecret under Pod Security "restricted", stable
// StatefulSet names, static PVs that keep data across pod deletion, exec and port-forward, and a
// down/up cycle that leaves nothing of the cluster running in between.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import Redis from "ioredis";
import * as path from "path";
import { ClusterEnv, Kubectl, clusterEnv, ensureCluster, localCluster } from "../../harness/cluster";
import {
  preboundLocalVolume,
  pullSecret,
  redisPod,
  redisStatefulSet,
  restrictedNamespace,
} from "../../harness/cluster-objects";
import { buildProductImage, docker, dockerLogin, requireDockerEngine } from "../../harness/docker";
import { check, run, waitFor } from "../../harness/processes";
import { ROOT } from "../../harness/stack-files";

const NS = `cluster-test-${process.pid}`;
/** The nftables table the NetworkPolicy engine keeps its rules in. */
const POLICY_TABLE = "inet kube-network-policies";
const STS = "kv";

describe("local cluster (real Kubernetes)", function () {
  this.timeout(10 * 60 * 1000);
  let env: ClusterEnv;
  let kubectl: Kubectl;
  let startedBySuite = false;
  let image = "";
  const volumeDirs: string[] = [];
  const volumeNames = [0, 1].map((i) => `${NS}-data-${i}`);

  before(async () => {
    await requireDockerEngine();
    startedBySuite = await ensureCluster();
    env = await clusterEnv();
    kubectl = new Kubectl(env);
    image = await pushRedisImage(env);
    const password = fs.readFileSync(env.REGISTRY_PASSWORD_FILE, "utf8");
    await kubectl.apply(restrictedNamespace(NS));
    await kubectl.apply(pullSecret(NS, env.REGISTRY, env.REGISTRY_USER, password));
  });

  /** The kernel's nftables tables, "family name" each (tools/local-cluster/cmd/nft-tables). */
  const nftTables = async () => (await check(path.join(env.TOOLS_BIN, "nft-tables"), [])).split("\n").filter(Boolean);

  after(async () => {
    if (kubectl) {
      await kubectl.run(["delete", "namespace", NS, "--wait=true", "--timeout=120s"]);
      await kubectl.run(["delete", "pv", ...volumeNames, "--ignore-not-found", "--wait=true", "--timeout=60s"]);
    }
    for (const dir of volumeDirs) fs.rmSync(dir, { recursive: true, force: true });
    if (startedBySuite) await localCluster("down");
  });

  it("has one Ready node running the pinned Kubernetes on containerd with cgroupfs", async () => {
    const node = await kubectl.json(["get", "node", env.NODE_NAME]);
    const ready = node.status.conditions.find((c: any) => c.type === "Ready");
    assert.strictEqual(ready.status, "True", ready.message);
    const pinned = /kubernetes_version=(\S+)/.exec(
      fs.readFileSync(path.join(ROOT, "tools/local-cluster/shell/versions.sh"), "utf8"),
    )![1];
    assert.strictEqual(node.status.nodeInfo.kubeletVersion, `v${pinned}`);
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/1\.6\./);
    assert.ok(node.status.addresses.some((a: any) => a.type === "InternalIP" && a.address === env.NODE_IP));
    const server = JSON.parse(await kubectl.check(["version", "-o", "json"])).serverVersion.gitVersion;
    assert.strictEqual(server, `v${pinned}`);
  });

  it("listens for the API server and the kubelet on the node address only, not on the machine's interfaces", async () => {
    // What listens on each port, as ss prints it: "<address>:<port>" per listening socket.
    const listeners = async (port: number) => {
      const ss = await run("ss", ["-Hltn", `sport = :${port}`]);
      assert.strictEqual(ss.code, 0, ss.stderr);
      return ss.stdout
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(/\s+/)[3]);
    };
    assert.deepStrictEqual(await listeners(6443), [`${env.NODE_IP}:6443`]);
    assert.deepStrictEqual(await listeners(10250), [`${env.NODE_IP}:10250`]);
    const server = (
      await kubectl.check(["config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"])
    ).trim();
    assert.strictEqual(server, `https://${env.NODE_IP}:6443`);
  });

  it("runs our image pulled by digest with an imagePullSecret, and refuses it without one", async () => {
    assert.match(image, /@sha256:[0-9a-f]{64}$/);
    await kubectl.apply(redisPod(NS, "with-secret", image, "registry"), redisPod(NS, "without-secret", image));
    await kubectl.waitReady(NS, "with-secret");
    const reason = await waitFor(
      "the pull without a secret to fail",
      60_000,
      async () => {
        const pod = await kubectl.json(["-n", NS, "get", "pod", "without-secret"]);
        const waiting = pod.status.containerStatuses?.[0]?.state?.waiting;
        return waiting && /ErrImagePull|ImagePullBackOff/.test(waiting.reason) ? waiting : undefined;
      },
      500,
    );
    assert.match(reason.message ?? "", /401|unauthorized|authorization failed/i);
  });

  it("enforces Pod Security restricted in the namespace", async () => {
    const bare = redisPod(NS, "unhardened", image, "registry") as any;
    bare.spec.securityContext = {};
    bare.spec.containers[0].securityContext = {};
    const r = await kubectl.run(["apply", "-f", "-"], JSON.stringify(bare));
    assert.notStrictEqual(r.code, 0);
    assert.match(r.stderr, /violates PodSecurity "restricted:latest"/);
  });

  describe("a StatefulSet on static PVs", () => {
    before(async () => {
      for (const [i, name] of volumeNames.entries()) {
        const dir = fs.mkdtempSync(path.join(env.CLUSTER_HOME, `test-volume-${i}-`));
        fs.chownSync(dir, 10001, 10001);
        volumeDirs.push(dir);
        await kubectl.apply(preboundLocalVolume(name, dir, env.NODE_NAME, NS, `data-${STS}-${i}`));
      }
      await kubectl.apply(...redisStatefulSet(NS, STS, image, 2));
      await kubectl.waitReady(NS, `${STS}-0`);
      await kubectl.waitReady(NS, `${STS}-1`);
      // Endpoints follow readiness asynchronously; DNS records and kube-proxy rules follow them.
      for (const service of [STS, `${STS}-client`]) await waitForReadyEndpoints(kubectl, NS, service, 2);
    });

    it("binds each pre-bound PV to its own claim", async () => {
      for (const [i, name] of volumeNames.entries()) {
        const pvc = await kubectl.json(["-n", NS, "get", "pvc", `data-${STS}-${i}`]);
        assert.strictEqual(pvc.status.phase, "Bound");
        assert.strictEqual(pvc.spec.volumeName, name);
      }
    });

    it("keeps the pods' network namespaces under its own state directory, not the host's /run/netns", async () => {
      // A namespace bind-mounted in /run/netns is caught by the shared mount `ip netns add` makes
      // there, and the pod then never finishes terminating (#26).
      const namespaces = fs
        .readFileSync("/proc/self/mounts", "utf8")
        .split("\n")
        .map((l) => l.split(" "))
        .filter((f) => f[2] === "nsfs" && path.basename(f[1] ?? "").startsWith("cni-"))
        .map((f) => f[1]);
      assert.ok(namespaces.length >= 2, `expected a network namespace per pod, found ${JSON.stringify(namespaces)}`);
      const elsewhere = namespaces.filter((m) => !m.startsWith(`${env.CLUSTER_RUN}/`));
      assert.deepStrictEqual(elsewhere, [], `pod network namespaces outside ${env.CLUSTER_RUN}`);
    });

    it("resolves each pod's stable name through cluster DNS, and each pod reaches the other", async () => {
      for (const [from, to] of [
        [0, 1],
        [1, 0],
      ]) {
        const host = `${STS}-${to}.${STS}.${NS}.svc.${env.CLUSTER_DOMAIN}`;
        const resolved = (await kubectl.exec(NS, `${STS}-${from}`, "getent", "hosts", host)).trim().split(/\s+/)[0];
        const podIp = (await kubectl.json(["-n", NS, "get", "pod", `${STS}-${to}`])).status.podIP;
        assert.strictEqual(resolved, podIp);
        assert.strictEqual(await pingWithin(kubectl, `${STS}-${from}`, host), "PONG");
      }
    });

    it("routes a ClusterIP Service to a pod (kube-proxy) and resolves the API server's Service", async () => {
      const service = await kubectl.json(["-n", NS, "get", "service", `${STS}-client`]);
      assert.ok(
        inCidr(service.spec.clusterIP, env.SERVICE_CIDR),
        `${service.spec.clusterIP} outside ${env.SERVICE_CIDR}`,
      );
      assert.strictEqual(await pingWithin(kubectl, `${STS}-0`, `${STS}-client`), "PONG");
      const api = (
        await kubectl.exec(NS, `${STS}-0`, "getent", "hosts", `kubernetes.default.svc.${env.CLUSTER_DOMAIN}`)
      )
        .trim()
        .split(/\s+/)[0];
      assert.strictEqual(api, (await kubectl.json(["-n", "default", "get", "service", "kubernetes"])).spec.clusterIP);
    });

    it("lets pods reach the host at the API server only (not the kubelet or any other TCP listener)", async () => {
      const connect = (port: number) =>
        kubectl.run([
          "-n",
          NS,
          "exec",
          `${STS}-0`,
          "--",
          "timeout",
          "3",
          "bash",
          "-c",
          `exec 3<>/dev/tcp/${env.NODE_IP}/${port}`,
        ]);
      assert.strictEqual((await connect(6443)).code, 0, "API server unreachable from a pod");
      assert.notStrictEqual((await connect(10250)).code, 0, "a pod reached the kubelet's port on the node");
      // The NFS server listens on loopback only; rpcbind listens everywhere and is dropped but for loopback.
      assert.notStrictEqual((await connect(111)).code, 0, "a pod reached rpcbind on the node");
      assert.notStrictEqual((await connect(2049)).code, 0, "a pod reached the NFS server on the node");
      // Every other port anything on the host listens on where a pod could address it (all
      // addresses, or the node's), whoever started it: none answers a pod.
      const listeners = (await check("ss", ["-Hltn"]))
        .split("\n")
        .map((l) => l.trim().split(/\s+/)[3] ?? "")
        .filter(
          (local) =>
            /^(0\.0\.0\.0|\*|\[::\]|\[::ffff:0\.0\.0\.0\])?:\d+$/.test(local) || local.startsWith(`${env.NODE_IP}:`),
        )
        .map((local) => Number(local.slice(local.lastIndexOf(":") + 1)));
      const others = [...new Set(listeners)].filter((port) => port !== 6443).sort((a, b) => a - b);
      assert.ok(others.includes(10250), `the kubelet is not among the listeners found: ${others.join(" ")}`);
      const reached: number[] = [];
      for (const port of others) if ((await connect(port)).code === 0) reached.push(port);
      assert.deepStrictEqual(reached, [], `ports a pod reached on the node, of ${others.join(" ")}`);
    });

    it("keeps a key written to the volume when the pod is deleted", async () => {
      assert.strictEqual(
        (await kubectl.exec(NS, `${STS}-0`, "redis-cli", "SET", "survivor", "still-here")).trim(),
        "OK",
      );
      const before = (await kubectl.json(["-n", NS, "get", "pod", `${STS}-0`])).metadata.uid;
      await kubectl.check(["-n", NS, "delete", "pod", `${STS}-0`, "--wait=true"]);
      await waitFor(
        "a new kv-0",
        60_000,
        async () => {
          const r = await kubectl.run(["-n", NS, "get", "pod", `${STS}-0`, "-o", "jsonpath={.metadata.uid}"]);
          return r.code === 0 && r.stdout && r.stdout !== before ? true : undefined;
        },
        500,
      );
      await kubectl.waitReady(NS, `${STS}-0`);
      assert.strictEqual((await kubectl.exec(NS, `${STS}-0`, "redis-cli", "GET", "survivor")).trim(), "still-here");
    });

    it("forwards a local port to a pod (kubectl port-forward, as the providers use it)", async () => {
      const forward = spawn(path.join(env.TOOLS_BIN, "kubectl"), [
        "--kubeconfig",
        env.KUBECONFIG,
        "-n",
        NS,
        "port-forward",
        `pod/${STS}-0`,
        ":6379",
      ]);
      try {
        let out = "";
        forward.stdout.on("data", (d) => (out += d));
        const port = await waitFor(
          "port-forward to listen",
          30_000,
          async () => /127\.0\.0\.1:(\d+) ->/.exec(out)?.[1],
        );
        const client = new Redis({ host: "127.0.0.1", port: Number(port), lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await client.connect();
          assert.strictEqual(await client.get("survivor"), "still-here");
        } finally {
          client.disconnect();
        }
      } finally {
        forward.kill();
      }
    });

    it("goes down leaving none of its processes, bridge, rules or mounts, and comes back up with the data", async () => {
      assert.ok(
        (await nftTables()).includes(POLICY_TABLE),
        `the NetworkPolicy engine's table is missing while it runs`,
      );
      const recorded = Object.values(recordedPids(env));
      assert.ok(recorded.length >= 8, `expected every component recorded, got ${recorded.length}`);
      const down = await localCluster("down");
      assert.strictEqual(down.code, 0, down.stderr);
      const survivors = recorded.filter(
        (pid) => fs.existsSync(`/proc/${pid}`) && !/State:\s*Z/.test(fs.readFileSync(`/proc/${pid}/status`, "utf8")),
      );
      assert.deepStrictEqual(survivors, [], "processes up started are still alive after down");
      assert.notStrictEqual((await run("ip", ["link", "show", "mwc0"])).code, 0, "bridge mwc0 still exists");
      for (const chain of ["MWC-FORWARD", "MWC-INPUT"]) {
        assert.notStrictEqual((await run("iptables", ["-n", "-L", chain])).code, 0, `${chain} chain still exists`);
      }
      assert.notStrictEqual(
        (await run("iptables", ["-t", "nat", "-n", "-L", "KUBE-SERVICES"])).code,
        0,
        "kube-proxy's chains still exist",
      );
      // The NetworkPolicy engine's queue (tools/local-cluster/shell/node.sh nfqueue_id): no listener left.
      const queues = fs.readFileSync("/proc/net/netfilter/nfnetlink_queue", "utf8");
      assert.ok(!/^\s*100\s/m.test(queues), `the NetworkPolicy engine still listens on nfqueue 100:\n${queues}`);
      // Stopped with SIGTERM, the engine deletes its table: no rule left queueing to a listener gone.
      assert.ok(!(await nftTables()).includes(POLICY_TABLE), "the NetworkPolicy engine's nftables table is left");
      const mounts = fs
        .readFileSync("/proc/self/mounts", "utf8")
        .split("\n")
        .filter((l) => l.includes(env.CLUSTER_HOME) || l.includes(env.CLUSTER_RUN));
      assert.deepStrictEqual(mounts, []);
      assert.notStrictEqual((await localCluster("status")).code, 0, "status reports healthy while down");

      const upStarted = new Date();
      const up = await localCluster("up");
      assert.strictEqual(up.code, 0, up.stderr);
      assert.strictEqual((await localCluster("status")).code, 0);
      await kubectl.waitReady(NS, `${STS}-0`, 180_000, upStarted);
      assert.strictEqual((await kubectl.exec(NS, `${STS}-0`, "redis-cli", "GET", "survivor")).trim(), "still-here");
    });

    it("does nothing on `up` when everything runs", async () => {
      const before = recordedPids(env);
      const up = await localCluster("up");
      assert.strictEqual(up.code, 0, up.stderr);
      assert.match(up.stdout, /already running/);
      assert.deepStrictEqual(recordedPids(env), before);
    });

    it("comes back with the data after a power loss (every process killed, /run and network state gone)", async () => {
      powerLoss(env, recordedPids(env));
      const upStarted = new Date();
      const up = await localCluster("up");
      assert.strictEqual(up.code, 0, `${up.stdout}\n${up.stderr}`);
      assert.strictEqual((await localCluster("status")).code, 0);
      await kubectl.waitReady(NS, `${STS}-0`, 180_000, upStarted);
      assert.strictEqual((await kubectl.exec(NS, `${STS}-0`, "redis-cli", "GET", "survivor")).trim(), "still-here");
    });
  });
});

/** Builds images/redis, pushes it to the cluster's registry with its credentials, returns the digest reference. */
async function pushRedisImage(env: ClusterEnv): Promise<string> {
  const repository = `${env.REGISTRY}/middleware-test/redis`;
  const tag = await buildProductImage("redis", repository);
  await dockerLogin(env.REGISTRY, env.REGISTRY_USER, fs.readFileSync(env.REGISTRY_PASSWORD_FILE, "utf8"));
  try {
    await docker("push", tag);
  } finally {
    await run("docker", ["logout", env.REGISTRY]);
  }
  const digests = await docker("image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", tag);
  const ref = digests.split("\n").find((d) => d.startsWith(`${repository}@`));
  if (!ref) throw new Error(`no digest for ${tag} after push: ${digests}`);
  return ref;
}

/** Waits until the Service's EndpointSlices list `count` ready addresses. */
async function waitForReadyEndpoints(
  kubectl: Kubectl,
  namespace: string,
  service: string,
  count: number,
): Promise<void> {
  await waitFor(
    `${count} ready endpoints of ${namespace}/${service}`,
    60_000,
    async () => {
      const slices = await kubectl.json([
        "-n",
        namespace,
        "get",
        "endpointslices",
        "-l",
        `kubernetes.io/service-name=${service}`,
      ]);
      const ready = slices.items.flatMap((s: any) => s.endpoints ?? []).filter((e: any) => e.conditions?.ready).length;
      return ready === count ? true : undefined;
    },
    250,
  );
}

/**
 * redis-cli PING from a pod, retried for up to 15 s: kube-proxy programs a Service's rules within a
 * sync period of its EndpointSlice changing, and until then it rejects connections to it.
 */
async function pingWithin(kubectl: Kubectl, pod: string, host: string): Promise<string> {
  return waitFor(
    `PING ${host} from ${pod}`,
    15_000,
    async () => {
      const r = await kubectl.run(["-n", NS, "exec", pod, "--", "redis-cli", "-h", host, "PING"]);
      return r.code === 0 && r.stdout.trim() === "PONG" ? "PONG" : undefined;
    },
    250,
  );
}

/** The PIDs `up` recorded, by component. */
function recordedPids(env: ClusterEnv): Record<string, number> {
  const dir = path.join(env.CLUSTER_RUN, "pids");
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, Number(fs.readFileSync(path.join(dir, f), "utf8").split(" ")[0])]),
  );
}

/**
 * What a reboot leaves: no process of the cluster (components, containerd's shims, the pods'
 * processes), an empty /run, no bridge, no iptables rules, no mounts; the data directory as it was.
 */
function powerLoss(env: ClusterEnv, components: Record<string, number>): void {
  const kill = (pid: number) => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  };
  Object.values(components).forEach(kill);
  // containerd's shims are found by the socket of ours they serve, never by name.
  const socket = path.join(env.CLUSTER_RUN, "containerd.sock");
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (cmdline.split("\0").includes(socket)) kill(Number(pid));
  }
  const pods = "/sys/fs/cgroup/pids/kubepods";
  const procsFiles = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory()
          ? procsFiles(path.join(dir, e.name))
          : e.name === "cgroup.procs"
            ? [path.join(dir, e.name)]
            : [],
      );
  for (const file of fs.existsSync(pods) ? procsFiles(pods) : []) {
    fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number).forEach(kill);
  }
  const mounts = fs
    .readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1])
    .filter((m) => m && (m.startsWith(`${env.CLUSTER_HOME}/`) || m.startsWith(`${env.CLUSTER_RUN}/`)));
  for (const m of mounts.sort().reverse()) spawnSync("umount", ["-l", m]);
  fs.rmSync(env.CLUSTER_RUN, { recursive: true, force: true });
  spawnSync("ip", ["link", "del", "mwc0"]);
  spawnSync(path.join(env.TOOLS_BIN, "kube-proxy"), ["--cleanup"]);
  for (const [builtin, chain] of [
    ["FORWARD", "MWC-FORWARD"],
    ["INPUT", "MWC-INPUT"],
  ]) {
    spawnSync("iptables", ["-D", builtin, "-j", chain]);
    spawnSync("iptables", ["-F", chain]);
    spawnSync("iptables", ["-X", chain]);
  }
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const toInt = (a: string) => a.split(".").reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = bits === "0" ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) >>> 0 === (toInt(base) & mask) >>> 0;
}
