// How the providers reach pods from outside the cluster (kubectl port-forward), with the failures a
// laptop or CI runner really meets: no kubectl at all, a context that does not exist, and direct
// access from a machine where the cluster's names do not resolve (this one).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertMembersStopped } from "../../components/platform/change-guard-logic";
import { initCluster } from "../../components/redis/cluster/redis-cluster-init-logic";
import { checkAccess, openReach } from "../../components/provider-kit/reach";
import { RedisSession } from "../../components/redis/redis-client";
import { RedisStandaloneHealthProvider } from "../../components/redis/redis-standalone-health";
import { ADMIN, CLIENT, RedisServers } from "../../harness/redis-servers";

describe("reach through kubectl port-forward (real processes)", function () {
  this.timeout(30000);
  const endpoint = "redis-cluster-0.redis-cluster-headless.mw.svc.cluster.local:6379";
  let savedPath: string | undefined;
  beforeEach(() => {
    savedPath = process.env.PATH;
    // A PATH with no kubectl on it, as on a runner that never installed it.
    process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), "no-kubectl-"));
  });
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it("fails in bounded time with a message naming kubectl, instead of killing the provider host", async () => {
    const reach = openReach({ kind: "portForward", namespace: "mw" });
    const t0 = Date.now();
    try {
      await assert.rejects(
        reach.local(endpoint),
        /cannot start kubectl port-forward to pod redis-cluster-0: kubectl is not on this machine's PATH; install it/,
      );
      await assert.rejects(
        reach.internalIp(endpoint),
        /cannot read the IP of pod redis-cluster-0: kubectl is not on this machine's PATH/,
      );
    } finally {
      reach.close();
    }
    assert.ok(Date.now() - t0 < 5000, "it failed at once, not after the 15 s start timeout");
  });

  it("reports it through a provider session as the member that could not be used", async () => {
    const session = new RedisSession(
      { kind: "portForward", namespace: "mw" },
      { username: "admin", password: "x".repeat(16) },
    );
    try {
      await assert.rejects(
        session.connectAll([endpoint]),
        /1 of 1 Redis members could not be used; nothing was changed:[\s\S]*kubectl is not on this machine's PATH/,
      );
    } finally {
      session.close();
    }
  });
});

describe("the access check before cluster init, assertions and change guards (real processes)", function () {
  this.timeout(30000);
  const inCluster = [0, 1, 2].map((i) => `redis-cluster-${i}.redis-cluster-headless.mw.svc.cluster.local:6379`);
  const fromLaptop =
    /health\.access is "direct", but this machine cannot resolve the cluster's names \(kubernetes\.default\.svc\.cluster\.local: ENOTFOUND\)[\s\S]*from a laptop or CI runner set health\.access to portForward/;
  const fleet = new RedisServers();
  after(() => fleet.stopAll());

  it("refuses direct access to the cluster's names from a machine that cannot resolve them", async () => {
    await assert.rejects(
      checkAccess({ kind: "direct" }, inCluster),
      (e: Error) => e.name === "AccessError" && fromLaptop.test(e.message),
    );
  });

  it("lets direct access to plain addresses through", async () => {
    const [server] = await fleet.add(1);
    await checkAccess({ kind: "direct" }, [server.endpoint]);
  });

  it("fails an assertion at once with the fix, instead of retrying a check that cannot work from here", async () => {
    // With a retry window the old provider spent it, then failed with the DNS error as a health problem.
    await assert.rejects(
      new RedisStandaloneHealthProvider().create({ endpoint: inCluster[0], retryForMs: 3000, ...CLIENT }),
      fromLaptop,
    );
  });

  it("stops cluster init before connecting, naming the setting", async () => {
    await assert.rejects(initCluster({ nodes: inCluster, replicasPerMaster: 0, ...ADMIN }), fromLaptop);
  });

  it("does not take members it cannot reach from here for stopped ones", async () => {
    // Every connect fails from this machine; the guard must not read that as "all pods are gone".
    await assert.rejects(assertMembersStopped({ setting: "zookeeper.replicas", members: inCluster }), fromLaptop);
  });

  it("names a kubectl context that does not exist", async () => {
    const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfig-")), "config");
    fs.writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
    await assert.rejects(
      checkAccess({ kind: "portForward", namespace: "mw", context: "staging", kubeconfig }, inCluster),
      /health\.access is "portForward", but kubectl cannot port-forward in namespace mw through context staging: error: context "staging" does not exist\. Check health\.kubeContext/,
    );
  });

  it("names a missing kubectl", async () => {
    const saved = process.env.PATH;
    process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), "no-kubectl-"));
    try {
      await assert.rejects(
        checkAccess({ kind: "portForward", namespace: "mw" }, inCluster),
        /kubectl cannot port-forward in namespace mw through the current context: kubectl is not on this machine's PATH; install it/,
      );
    } finally {
      process.env.PATH = saved;
    }
  });
});
