// How the providers reach pods from outside the cluster (kubectl port-forward), with the failures a
// laptop or CI runner really meets: here, no kubectl at all.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openReach } from "../../components/providers/reach";
import { RedisSession } from "../../components/providers/redis-client";

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
      await assert.rejects(reach.local(endpoint), /cannot start kubectl port-forward to pod redis-cluster-0: kubectl is not on this machine's PATH; install it/);
      await assert.rejects(reach.internalIp(endpoint), /cannot read the IP of pod redis-cluster-0: kubectl is not on this machine's PATH/);
    } finally {
      reach.close();
    }
    assert.ok(Date.now() - t0 < 5000, "it failed at once, not after the 15 s start timeout");
  });

  it("reports it through a provider session as the member that could not be used", async () => {
    const session = new RedisSession({ kind: "portForward", namespace: "mw" }, { username: "admin", password: "x".repeat(16) });
    try {
      await assert.rejects(session.connectAll([endpoint]), /1 of 1 Redis members could not be used; nothing was changed:[\s\S]*kubectl is not on this machine's PATH/);
    } finally {
      session.close();
    }
  });
});
