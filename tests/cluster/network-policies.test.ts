// NetworkPolicy on the wire: the local cluster's engine (kube-network-policies, tools/local-cluster/shell/node.sh)
// drops what a policy does not admit and lets through what it does, judged by TCP connections
// between real pods: a server that greets every connection, and clients that either read the
// greeting or time out. Each check first sees the connection succeed without the policy, so a
// refusal means the policy, not a broken pod network. The last applies the policy the product
// declares for each workload (networkPolicySpec) and checks every kind of peer and client.
import * as assert from "assert";
import * as net from "net";
import {
  Kubectl,
  NODE_BASE_IMAGE,
  clusterEnv,
  ensureCluster,
  importBaseImage,
  localCluster,
} from "../../harness/cluster";
import { restrictedContainer, restrictedNamespace, restrictedPod } from "../../harness/cluster-objects";
import { waitFor } from "../../harness/processes";
import { networkPolicySpec } from "../../components/platform/network";

const NS = `netpol-test-${process.pid}`;
const OTHER_NS = `${NS}-other`;
/** Where an in-cluster pulumi would run (health.runnerNamespace): its pods carry no label of ours. */
const RUNNER_NS = `${NS}-runner`;
const PORT = 8080;
/** A second port of the server, standing for a workload's peer port (cluster bus, quorum). */
const PEER_PORT = 8090;
/** How long a refused client waits for the greeting: a dropped SYN never answers. */
const CONNECT_SECONDS = 3;
/** How long the engine may take to act on a new or deleted policy. */
const POLICY_SETTLES_MS = 30_000;

/** A pod of the base image under Pod Security "restricted"; perl-base is in the image, bash has /dev/tcp. */
function pod(namespace: string, name: string, labels: Record<string, string>, command: string[]) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels },
    spec: {
      securityContext: restrictedPod,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: "main",
          image: NODE_BASE_IMAGE,
          imagePullPolicy: "Never",
          command,
          resources: { requests: { cpu: "5m", memory: "8Mi" }, limits: { memory: "32Mi" } },
          securityContext: restrictedContainer,
        },
      ],
    },
  };
}

/** Greets on PORT (the parent) and PEER_PORT (a forked child). */
const GREETER = [
  "perl",
  "-MIO::Socket::INET",
  "-e",
  `my $port = fork ? ${PORT} : ${PEER_PORT};` +
    ` my $s = IO::Socket::INET->new(LocalPort => $port, Listen => 16, ReuseAddr => 1) or die "listen: $!";` +
    ` while (my $c = $s->accept) { print $c "hello\\n"; close $c }`,
];
const IDLE = ["sleep", "infinity"];

describe("NetworkPolicy enforcement on the local cluster (real Kubernetes)", function () {
  this.timeout(5 * 60 * 1000);
  let kubectl: Kubectl;
  let startedBySuite = false;
  let serverIp = "";

  before(async () => {
    startedBySuite = await ensureCluster();
    const env = await clusterEnv();
    kubectl = new Kubectl(env);
    await importBaseImage(env);
    await kubectl.apply(restrictedNamespace(NS), restrictedNamespace(OTHER_NS), restrictedNamespace(RUNNER_NS));
    const pods = [
      pod(NS, "server", { app: "server" }, GREETER),
      pod(NS, "client", { role: "client" }, IDLE),
      pod(NS, "stranger", {}, IDLE),
      pod(NS, "peer", { app: "server" }, IDLE),
      pod(OTHER_NS, "client", { role: "client" }, IDLE),
      pod(OTHER_NS, "stranger", {}, IDLE),
      pod(OTHER_NS, "impostor", { app: "server" }, IDLE),
      pod(RUNNER_NS, "runner", {}, IDLE),
    ];
    await kubectl.apply(...pods);
    for (const p of pods) await kubectl.waitReady(p.metadata.namespace, p.metadata.name);
    serverIp = (await kubectl.json(["-n", NS, "get", "pod", "server"])).status.podIP;
  });

  after(async () => {
    await kubectl?.run([
      "delete",
      "namespace",
      NS,
      OTHER_NS,
      RUNNER_NS,
      "--ignore-not-found",
      "--wait=true",
      "--timeout=120s",
    ]);
    if (startedBySuite) await localCluster("down");
  });

  /** Runs a bash /dev/tcp script in `ns/name`, cut off after CONNECT_SECONDS (exit 124). */
  const dialFrom = (ns: string, name: string, script: string) =>
    kubectl.run(["-n", ns, "exec", name, "--", "timeout", String(CONNECT_SECONDS), "bash", "-c", script]);
  /** Whether `ns/name` reads the server's greeting: a connection made, not merely a port open. */
  const greeted = async (ns: string, name: string, port = PORT): Promise<boolean> => {
    const script = `exec 3<>/dev/tcp/${serverIp}/${port} && read -r line <&3 && echo "$line"`;
    const r = await dialFrom(ns, name, script);
    if (r.code === 0) return r.stdout.trim() === "hello";
    // 124: timeout's "the command timed out", a SYN dropped; anything else is not this test's question.
    assert.strictEqual(r.code, 124, `unexpected failure from ${ns}/${name}: ${r.stdout}${r.stderr}`);
    return false;
  };
  const clients = [
    { ns: NS, name: "client", what: "the labelled client of its namespace" },
    { ns: NS, name: "stranger", what: "an unlabelled pod of its namespace" },
    { ns: OTHER_NS, name: "client", what: "a pod with the client label in another namespace" },
  ];
  const expectGreetings = (want: boolean[]) =>
    waitFor(`greetings ${JSON.stringify(want)}`, POLICY_SETTLES_MS, async () => {
      const got = await Promise.all(clients.map((c) => greeted(c.ns, c.name)));
      return got.every((g, i) => g === want[i]) ? got : undefined;
    }).catch(async (e) => {
      const got = await Promise.all(clients.map((c) => greeted(c.ns, c.name)));
      const lines = clients.map(
        (c, i) => `  ${c.what}: ${got[i] ? "connected" : "timed out"}, want ${want[i] ? "connected" : "refused"}`,
      );
      throw new Error(`${e.message}\n${lines.join("\n")}`);
    });

  it("without a policy, every pod reaches the server", async () => {
    await expectGreetings([true, true, true]);
    assert.ok(await greeted(RUNNER_NS, "runner", PEER_PORT), "the server's second port answers without a policy");
  });

  it("a policy admitting role=client from its own namespace: only that pod connects", async () => {
    await kubectl.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "server", namespace: NS },
      spec: {
        podSelector: { matchLabels: { app: "server" } },
        policyTypes: ["Ingress"],
        ingress: [
          { from: [{ podSelector: { matchLabels: { role: "client" } } }], ports: [{ protocol: "TCP", port: PORT }] },
        ],
      },
    });
    await expectGreetings([true, false, false]);
  });

  it("the admitted port only: the admitted client is refused on another port of the server", async () => {
    // The server listens on PORT alone; a port the policy does not list must not even answer with a reset.
    const script = `exec 3<>/dev/tcp/${serverIp}/${PORT + 1}`;
    const r = await dialFrom(NS, "client", script);
    assert.strictEqual(r.code, 124, `a connection to an unlisted port was answered (exit ${r.code}): ${r.stderr}`);
  });

  it("the node's own processes (the kubelet, the deploying pulumi run as root) still connect", async () => {
    const line = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: serverIp, port: PORT, timeout: CONNECT_SECONDS * 1000 });
      s.once("data", (d) => (s.destroy(), resolve(d.toString().trim())));
      s.once("timeout", () => (s.destroy(), reject(new Error("the node's connection timed out"))));
      s.once("error", reject);
    });
    assert.strictEqual(line, "hello");
  });

  it("deleting the policy lets every pod in again", async () => {
    await kubectl.check(["-n", NS, "delete", "networkpolicy", "server"]);
    await expectGreetings([true, true, true]);
  });

  it("the product's workload policy: peers alone on the peer port; labelled clients, their namespaces and the runner namespace on the client port", async () => {
    // What components/platform/network.ts declares for every workload, with the server as the workload.
    await kubectl.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "workload", namespace: NS },
      spec: networkPolicySpec({
        selector: { app: "server" },
        peerPorts: [{ name: "peer", port: PEER_PORT }],
        clientPorts: [{ name: "client", port: PORT }],
        clientNamespaces: [OTHER_NS],
        clientPodLabel: { role: "client" },
        runnerNamespace: RUNNER_NS,
      }),
    });
    const cases = [
      { ns: NS, name: "peer", what: "a member of the workload", client: true, peer: true },
      { ns: NS, name: "client", what: "a labelled client", client: true, peer: false },
      { ns: NS, name: "stranger", what: "an unlabelled pod of the namespace", client: false, peer: false },
      { ns: OTHER_NS, name: "client", what: "a labelled client of a client namespace", client: true, peer: false },
      { ns: OTHER_NS, name: "stranger", what: "an unlabelled pod of a client namespace", client: false, peer: false },
      {
        ns: OTHER_NS,
        name: "impostor",
        what: "a pod wearing the workload's labels in another namespace",
        client: false,
        peer: false,
      },
      { ns: RUNNER_NS, name: "runner", what: "an unlabelled pod of the runner namespace", client: true, peer: false },
    ];
    const observe = () =>
      Promise.all(
        cases.map(async (c) => ({
          ...c,
          got: [await greeted(c.ns, c.name, PORT), await greeted(c.ns, c.name, PEER_PORT)],
        })),
      );
    const wrong = (seen: Awaited<ReturnType<typeof observe>>) =>
      seen.filter((c) => c.got[0] !== c.client || c.got[1] !== c.peer);
    await waitFor("the workload policy in force", POLICY_SETTLES_MS, async () =>
      wrong(await observe()).length === 0 ? true : undefined,
    ).catch(async (e: Error) => {
      const word = (b: boolean) => (b ? "connected" : "refused");
      const lines = wrong(await observe()).map(
        (c) =>
          `  ${c.what} (${c.ns}/${c.name}): client port ${word(c.got[0])} (want ${word(c.client)}),` +
          ` peer port ${word(c.got[1])} (want ${word(c.peer)})`,
      );
      throw new Error(`${e.message}\n${lines.join("\n")}`);
    });
  });
});
