// The ZooKeeper ensemble as the product configures it with TLS (components/zookeeper/zoo-cfg.ts,
// zooTlsLines) on real ZooKeeper processes started by the image's entrypoint: the quorum forms over
// TLS, the probes and zk-cli speak it, the health assertion passes with the deployer's
// certificate, and neither a client nor a would-be member without a certificate of the ensemble's
// authority gets anywhere, the latter even holding the quorum password (issue #25).
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as tls from "tls";
import { assertZooKeeperHealthy } from "../../components/zookeeper/zookeeper-health-logic";
import { ClientTls, openTlsRelay, tlsOptions } from "../../components/provider-kit/client-tls";
import { fourLetterWord, zkConnect } from "../../components/zookeeper/zookeeper-client";
import { run, waitFor } from "../../harness/processes";
import { TestAuthority, TlsFiles } from "../../harness/tls";
import { ZK_CLIENT_USER, ZK_IMAGE_DIR, ZK_TEST_AUTH, ZooKeeperEnsembleProcess } from "../../harness/zookeeper-servers";

const SUPER = ZK_TEST_AUTH["admin-password"];

/** What a connection to a client port gets for `srvr`: the reply, or the error that ended it. */
async function srvrOver(connect: () => net.Socket, secure: boolean): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect();
    let out = "";
    sock.setTimeout(5000, () => sock.destroy(new Error("no answer within 5 s")));
    sock.on(secure ? "secureConnect" : "connect", () => sock.write("srvr"));
    sock.on("data", (d) => (out += d.toString()));
    sock.on("end", () => resolve(out || "closed without a reply"));
    sock.on("error", (e) => resolve(out || `error: ${e.message}`));
  });
}

const COLOURS = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
/** A server log's warnings and errors, without colours or stack frames. */
function warnings(log: string): string[] {
  return log
    .replace(COLOURS, "")
    .split("\n")
    .filter((l) => /WARN|ERROR|Exception/.test(l) && !/^\s+at /.test(l));
}

describe("ZooKeeper over TLS (real ensemble, the product's zoo.cfg)", function () {
  this.timeout(300000);
  const authority = new TestAuthority("zookeeper");
  const stranger = new TestAuthority("another workload");
  let zk: ZooKeeperEnsembleProcess;
  let deployer: TlsFiles;

  const modeOf = async (i: number, t: ClientTls = deployer.pem): Promise<string | undefined> =>
    /^Mode: (\w+)/m.exec(await fourLetterWord(zk.servers[i], "srvr", t).catch(() => ""))?.[1];
  const modes = () => Promise.all(zk.servers.map((_, i) => modeOf(i)));
  const inputs = () => ({
    servers: zk.servers,
    expectedSize: 3,
    clientUser: ZK_CLIENT_USER,
    password: SUPER,
    tls: deployer.pem,
    minValidDays: 7,
  });
  const probe = (i: number, check: string) =>
    run(path.join(ZK_IMAGE_DIR, "zk-probe"), [check], { env: zk.memberEnv(i), timeout: 20000 });

  before(async () => {
    deployer = authority.issue("zookeeper deployer");
    zk = new ZooKeeperEnsembleProcess(3, { tls: authority });
    await zk.start();
    await waitFor("a quorum over TLS", 120000, async () =>
      (await modes()).every((m) => m === "leader" || m === "follower") ? true : undefined,
    );
  });

  after(async () => {
    await zk?.stop();
    authority.remove();
    stranger.remove();
  });

  it("forms the quorum over TLS; the probes and zk-cli (the entrypoint's root ACL) speak it", async () => {
    for (const i of [0, 1, 2]) {
      assert.strictEqual((await probe(i, "ready")).code, 0, `member ${i + 1} ready`);
      assert.strictEqual((await probe(i, "live")).code, 0, `member ${i + 1} live`);
    }
    const acl = await waitFor("the entrypoint to give / to the client user over TLS", 90000, async () => {
      const r = await zk.cli(0, ["getAcl", "/"]);
      return /^'sasl,'app$/m.test(r.stdout) ? r.stdout : undefined;
    });
    assert.doesNotMatch(acl, /world,'anyone/);
  });

  it("passes the health assertion with the deployer's certificate", async () => {
    const report = await assertZooKeeperHealthy(inputs());
    assert.strictEqual(report.followers, 2);
  });

  it("fails the health assertion while a member's certificate expires within minValidDays", async () => {
    // The members' certificates are valid for 30 days.
    await assert.rejects(assertZooKeeperHealthy({ ...inputs(), minValidDays: 45 }), (e: Error) => {
      assert.match(e.message, /serves a certificate that expires on .* within tls\.minValidDays \(45\)/);
      return true;
    });
  });

  it("answers nothing on the client port to plain text, to TLS without a certificate, or to another authority's", async () => {
    const target = { host: "127.0.0.1", port: zk.clientPorts[0] };
    const control = await srvrOver(() => tls.connect({ ...target, ...tlsOptions(deployer.pem) }), true);
    assert.match(control, /^Mode: (leader|follower)$/m, "the deployer's certificate gets an answer");
    const attempts = {
      "plain text": await srvrOver(() => net.connect(target), false),
      "TLS without a certificate": await srvrOver(
        () => tls.connect({ ...target, ca: authority.ca.certPem, checkServerIdentity: () => undefined }),
        true,
      ),
      "another authority's certificate": await srvrOver(
        () => tls.connect({ ...target, ...tlsOptions({ ...stranger.issue().pem, ca: authority.ca.certPem }) }),
        true,
      ),
    };
    for (const [how, reply] of Object.entries(attempts))
      assert.doesNotMatch(reply, /Mode:|Zookeeper version/, `${how}: ${reply}`);
    // A session through a relay holding another authority's certificate gets no further, super's password or not.
    const relay = await openTlsRelay(zk.servers[0], { ...stranger.issue().pem, ca: authority.ca.certPem });
    try {
      await assert.rejects(zkConnect(relay.address, `super:${SUPER}`, 5000), /no ZooKeeper session|authentication/);
    } finally {
      relay.close();
    }
  });

  describe("a would-be member holding the quorum password", () => {
    let victim = -1;
    let leader = -1;
    let leaderLogFrom = 0;
    const leaderLog = () => fs.readFileSync(path.join(zk.memberDir(leader), "server.log"), "utf8").slice(leaderLogFrom);
    const syncedFollowers = async () =>
      Number(/^zk_synced_followers\s+(\d+)/m.exec(await fourLetterWord(zk.servers[leader], "mntr", deployer.pem))?.[1]);

    /** Restarts the victim's slot as `start` sets it up, then waits until the leader has turned it away. */
    async function intrude(start: () => void, refusal: RegExp): Promise<void> {
      const m = await modes();
      leader = m.indexOf("leader");
      victim = m.indexOf("follower");
      await zk.killMember(victim);
      leaderLogFrom = fs.statSync(path.join(zk.memberDir(leader), "server.log")).size;
      const victimLogFrom = fs.statSync(path.join(zk.memberDir(victim), "server.log")).size;
      start();
      // The refusal shows in the leader's log, or in the intruder's as the alert the leader sent.
      const victimLog = () =>
        fs.readFileSync(path.join(zk.memberDir(victim), "server.log"), "utf8").slice(victimLogFrom);
      await waitFor(`member ${victim + 1} to be turned away (${refusal})`, 60000, async () =>
        refusal.test(leaderLog()) || refusal.test(victimLog()) ? true : undefined,
      ).catch((e: Error) => {
        const tail = (log: string) => warnings(log).slice(-12).join("\n");
        throw new Error(
          `${e.message}\n--- leader:\n${tail(leaderLog())}\n--- member ${victim + 1}:\n${tail(victimLog())}`,
        );
      });
    }

    afterEach(async () => {
      // Back as itself: its own certificate and the product's config, which must let it rejoin.
      await zk.killMember(victim);
      zk.writeTls(victim, authority.issue(`zookeeper member ${victim + 1}`));
      zk.editConfig(victim, () => originalConfig[victim]);
      zk.startMember(victim);
      await waitFor(`member ${victim + 1} to rejoin`, 120000, async () =>
        (await modeOf(victim)) === "follower" ? true : undefined,
      );
      assert.strictEqual(await syncedFollowers(), 2);
    });

    const originalConfig: string[][] = [];
    before(() => {
      for (const i of [0, 1, 2])
        originalConfig[i] = fs
          .readFileSync(path.join(zk.memberDir(i), "zoo.cfg"), "utf8")
          .trimEnd()
          .split("\n");
    });

    it("cannot join the quorum with a certificate of another authority", async () => {
      await intrude(() => {
        zk.writeTls(victim, stranger.issue("impostor"));
        // The authority's certificate is no secret: the impostor trusts the members, only its own is foreign.
        fs.writeFileSync(path.join(zk.memberDir(victim), "tls", "ca.crt"), authority.ca.certPem);
        zk.startMember(victim);
      }, /certificate_unknown|bad_certificate|PKIX path|SSLHandshakeException/);
      assert.strictEqual(await syncedFollowers(), 1, "the leader syncs one follower, not the impostor");
      // Asked with a certificate the impostor accepts and trusting its own: it serves nothing.
      const asImpostorTrusts = { ...deployer.pem, ca: stranger.ca.certPem };
      assert.strictEqual(await modeOf(victim, asImpostorTrusts), undefined, "the impostor serves nothing");
      assert.strictEqual(await modeOf(leader), "leader");
    });

    it("cannot join the quorum without TLS", async () => {
      await intrude(() => {
        zk.editConfig(victim, (lines) => [
          ...lines.filter((l) => !/^(ssl|secureClientPort|serverCnxnFactory)/.test(l)),
          `clientPort=${zk.clientPorts[victim]}`,
        ]);
        zk.startMember(victim);
      }, /Blocked insecure connection attempt/);
      assert.strictEqual(await syncedFollowers(), 1, "the leader syncs one follower, not the plain-text member");
      const plain = await fourLetterWord(zk.servers[victim], "srvr").catch((e: Error) => e.message);
      assert.doesNotMatch(plain, /^Mode:/m, `the plain-text member serves nothing: ${plain}`);
    });
  });
});
