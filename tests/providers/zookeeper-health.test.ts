import * as assert from "assert";
import { assertZooKeeperHealthy } from "../../components/zookeeper/zookeeper-health-logic";
import { ZkClient, fourLetterWord, withTimeout, zkConnect } from "../../components/zookeeper/zookeeper-client";
import { ZooKeeperHealthProvider } from "../../components/zookeeper/zookeeper-health";
import { waitFor } from "../../harness/processes";
import { ZK_CLIENT_USER, ZK_TEST_AUTH, ZooKeeperEnsembleProcess } from "../../harness/zookeeper-servers";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

const SUPER = ZK_TEST_AUTH["admin-password"];
const inputs = (zk: ZooKeeperEnsembleProcess) => ({
  servers: zk.servers,
  expectedSize: 3,
  clientUser: ZK_CLIENT_USER,
  password: SUPER,
});

/** A session on the whole ensemble, as the assertion opens them; authenticated with `digest` when given. */
const session = (servers: readonly string[], digest?: string) => zkConnect(servers.join(","), digest);

async function rootAcl(zk: ZooKeeperEnsembleProcess): Promise<string> {
  const c = await session(zk.servers, `super:${SUPER}`);
  try {
    // Safe here: super is never refused (the binding crashes on a refused get_acl).
    const [acl] = await (
      c as ZkClient & { get_acl(p: string): Promise<[{ scheme: string; auth: string; perms: number }[], unknown]> }
    ).get_acl("/");
    return acl.map((a) => `${a.scheme}:${a.auth}:${a.perms}`).join(",");
  } finally {
    c.close();
  }
}

async function leaderIndex(zk: ZooKeeperEnsembleProcess): Promise<number> {
  return waitFor(
    "a leader",
    60000,
    async () => {
      const modes = await zk.modes();
      const i = modes.indexOf("leader");
      return i >= 0 && modes.every((m) => m === "leader" || m === "follower") ? i : undefined;
    },
    250,
  );
}

describe("ZooKeeperHealthProvider (real ZooKeeper ensemble)", function () {
  this.timeout(180000);
  const zk = new ZooKeeperEnsembleProcess(3);
  before(async () => {
    await zk.start();
    await leaderIndex(zk);
    // The entrypoints close the root znode once their member serves.
    await waitFor(
      "the entrypoint to set the root ACL",
      90000,
      async () => ((await rootAcl(zk)) === `sasl:${ZK_CLIENT_USER}:15` ? true : undefined),
      1000,
    );
  });
  after(() => zk.stop());

  it("passes with one leader and a znode read back from every member", async () => {
    const { outs } = await new ZooKeeperHealthProvider().create(inputs(zk));
    assert.strictEqual(outs.report.followers, 2);
    assert.ok(!JSON.stringify(outs).includes(SUPER), "the super password is not an output");
    assert.ok(zk.servers.includes(outs.report.leader));
  });

  it("writes nothing derived from super's password to the volumes (the check's znodes name no digest)", async () => {
    await assertZooKeeperHealthy(inputs(zk));
    // ZooKeeper's digest id of super: what an ACL naming super would carry, crackable offline.
    const digest = createHash("sha1").update(`super:${SUPER}`).digest("base64");
    for (let i = 0; i < 3; i++) {
      const dir = path.join(zk.memberDir(i), "version-2");
      for (const f of fs.readdirSync(dir))
        assert.ok(!fs.readFileSync(path.join(dir, f)).includes(digest), `${f} of member ${i + 1} holds super's digest`);
    }
  });

  it("passes again after the leader is killed and a new one is elected", async () => {
    const old = await leaderIndex(zk);
    await zk.killMember(old);
    await assert.rejects(assertZooKeeperHealthy(inputs(zk)), (e: Error) => {
      assert.ok(e.message.includes(`cannot reach ${zk.servers[old]}`), e.message);
      return true;
    });
    // The two survivors elect a leader first; restarted at once, the old leader (highest zxid) could win again.
    await waitFor(
      "the survivors to elect a leader",
      60000,
      async () => {
        const modes = await Promise.all(
          zk.servers.map((s, i) =>
            i === old
              ? undefined
              : fourLetterWord(s, "srvr")
                  .then((r) => /^Mode: (\w+)/m.exec(r)?.[1])
                  .catch(() => undefined),
          ),
        );
        return modes.includes("leader") ? true : undefined;
      },
      250,
    );
    zk.startMember(old); // as the pod would be restarted
    const { outs } = await new ZooKeeperHealthProvider().create({ ...inputs(zk), retryForMs: 60000 });
    assert.notStrictEqual(outs.report.leader, zk.servers[old], "a different member leads now");
  });

  it("refuses a client that never authenticated: it can neither read nor write", async () => {
    const anon = await session(zk.servers);
    try {
      await assert.rejects(
        withTimeout(anon.get_children("/", false), 8000, "listing /"),
        /SASL authentication|closed|-124|auth/i,
      );
    } finally {
      anon.close();
    }
    const again = await session(zk.servers);
    try {
      await assert.rejects(
        withTimeout(again.create("/anonymous", "x", 0), 8000, "creating /anonymous"),
        /SASL authentication|closed|-124|auth/i,
      );
    } finally {
      again.close();
    }
  });

  it("refuses a made-up digest identity at addauth: no way to a world-open znode or /zookeeper/quota", async () => {
    // An application's znode with ZooKeeper's default ACL, world:anyone.
    const created = await zk.cli(0, ["create", "/world-open", "app-value"]);
    assert.match(created.stdout + created.stderr, /Created \/world-open/);
    // Before the fix any user:password was an identity that enforce.auth counted as authenticated:
    // it read and overwrote /world-open and wrote under /zookeeper/quota.
    for (const server of zk.servers)
      await assert.rejects(session([server], "mallory:guess"), /authentication as mallory failed/, server);
    const admin = await session(zk.servers, `super:${SUPER}`);
    try {
      const [, data] = await admin.get("/world-open", false);
      assert.strictEqual(String(data), "app-value", "super's digest still works, and nothing was overwritten");
      await admin.delete_("/world-open", -1);
    } finally {
      admin.close();
    }
  });

  it("lets the client user in over SASL with its password and refuses a wrong one", async () => {
    const ok = await zk.cli(0, ["create", "/app-data", "hello"]);
    assert.match(ok.stdout + ok.stderr, /Created \/app-data/);
    const wrongDir = path.join(zk.memberDir(0), "wrong-run");
    fs.mkdirSync(wrongDir, { recursive: true });
    fs.writeFileSync(
      path.join(wrongDir, "client-jaas.conf"),
      `Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="${ZK_CLIENT_USER}"\n  password="not-the-password-1";\n};\n`,
    );
    const refused = await zk.cli(0, ["get", "/app-data"], wrongDir);
    assert.match(refused.stdout + refused.stderr, /AuthFailed/);
    assert.doesNotMatch(refused.stdout, /^hello$/m);
  });

  it("fails the assertion when a member takes made-up digest identities (no super-only provider), and with a wrong super password", async () => {
    const member = (await leaderIndex(zk)) === 0 ? 1 : 0;
    await zk.killMember(member);
    // An image without our jar: ZooKeeper logs that it cannot load the provider and keeps its stock one.
    zk.startMember(member, { ZK_LIB_DIR: fs.mkdtempSync(path.join(zk.memberDir(member), "no-lib-")) });
    try {
      await waitFor("the member back", 60000, async () =>
        /^Mode: follower/m.test(await fourLetterWord(zk.servers[member], "srvr").catch(() => "")) ? true : undefined,
      );
      await assert.rejects(assertZooKeeperHealthy(inputs(zk)), (e: Error) => {
        assert.match(
          e.message,
          new RegExp(`${zk.servers[member]} accepted a made-up digest identity as authenticated`),
        );
        return true;
      });
    } finally {
      await zk.killMember(member);
      zk.startMember(member);
      await leaderIndex(zk);
    }
    await assert.rejects(
      assertZooKeeperHealthy({ ...inputs(zk), password: "not-the-super-password" }),
      /the members refused zookeeperAdminPassword as super's password/,
    );
    await assertZooKeeperHealthy(inputs(zk));
  });

  it("keeps a member with the wrong quorum password out of the ensemble", async () => {
    const leader = await leaderIndex(zk);
    const outsider = (leader + 1) % 3;
    await zk.killMember(outsider);
    const logOf = (i: number) => path.join(zk.memberDir(i), "server.log");
    // Only what the members log from now on counts (the logs are appended to).
    const offsets = [0, 1, 2].map((i) => fs.statSync(logOf(i)).size);
    const since = (i: number) => fs.readFileSync(logOf(i)).subarray(offsets[i]).toString();
    zk.writeAuth(outsider, { ...ZK_TEST_AUTH, "quorum-password": "an-attackers-quorum-pw" });
    zk.startMember(outsider);
    try {
      // The refusal itself: the leader rejects the outsider's quorum SASL handshake.
      await waitFor(
        "the leader to refuse the outsider's quorum authentication",
        60000,
        async () => (/SaslQuorumAuthServer - Failed to authenticate using SASL/.test(since(leader)) ? true : undefined),
        500,
      );
      // And the outsider, up and answering (not merely a slow JVM), never serves, while the others keep their leader.
      for (let t = 0; t < 10; t++) {
        const srvr = await fourLetterWord(zk.servers[outsider], "srvr").catch((e: Error) => e.message);
        assert.match(srvr, /not currently serving requests/, `the outsider after ${t} s`);
        assert.match(await fourLetterWord(zk.servers[leader], "srvr"), /^Mode: leader$/m);
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await zk.killMember(outsider);
      zk.writeAuth(outsider, ZK_TEST_AUTH);
      zk.startMember(outsider);
      await leaderIndex(zk);
    }
  });

  it("fails with a no-quorum message when two of three members are down", async () => {
    await leaderIndex(zk);
    await zk.killMember(0);
    await zk.killMember(1);
    const t0 = Date.now();
    await assert.rejects(assertZooKeeperHealthy(inputs(zk)), (e: Error) => {
      assert.match(e.message, /no quorum: [01] of 3 members serve requests, a majority of 2 is needed/);
      return true;
    });
    assert.ok(Date.now() - t0 < 15000);
  });
});
