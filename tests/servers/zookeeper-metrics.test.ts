// ZooKeeper's own metrics as the product serves them (zoo.cfg ZOO_METRICS_LINES, the provider's
// jars fetched and checked as the image's build does), on a real TLS ensemble started by the
// image's entrypoint: every member serves what the alerts read, exactly one serves leader_uptime
// and it is the member srvr calls leader, and nothing secret is served.
import * as assert from "assert";
import { fourLetterWord } from "../../components/zookeeper/zookeeper-client";
import { TestAuthority, TlsFiles } from "../../harness/tls";
import { waitFor } from "../../harness/processes";
import { ZK_TEST_AUTH, ZooKeeperEnsembleProcess } from "../../harness/zookeeper-servers";

/** The value of an unlabelled series, or undefined. */
const sample = (text: string, name: string) => {
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
};

describe("ZooKeeper's metrics on a real TLS ensemble (its Prometheus provider)", function () {
  this.timeout(180_000);
  const authority = new TestAuthority("zookeeper metrics");
  const zk = new ZooKeeperEnsembleProcess(3, { tls: authority, metrics: true });
  let scraped: string[] = [];
  let modes: (string | undefined)[] = [];
  let deployer: TlsFiles;
  /** Each member's mode, as srvr over TLS says. */
  const srvrModes = () =>
    Promise.all(
      zk.servers.map(
        async (s) => /^Mode: (\w+)/m.exec(await fourLetterWord(s, "srvr", deployer.pem).catch(() => ""))?.[1],
      ),
    );

  before(async () => {
    deployer = authority.issue("zookeeper deployer");
    await zk.start();
    modes = await waitFor(
      "a leader and two followers",
      120_000,
      async () => {
        const m = await srvrModes();
        return m.filter((x) => x === "leader").length === 1 && m.filter((x) => x === "follower").length === 2
          ? m
          : undefined;
      },
      500,
    );
    scraped = await waitFor("every member's metrics, the leader's with both followers synced", 60_000, async () => {
      const texts = await Promise.all(
        zk.metricsPorts.map((p) =>
          fetch(`http://127.0.0.1:${p}/metrics`, { signal: AbortSignal.timeout(5000) })
            .then((r) => r.text())
            .catch(() => ""),
        ),
      );
      const leader = texts[modes.indexOf("leader")];
      return texts.every((t) => t.includes("quorum_size")) && sample(leader, "synced_followers") === 2
        ? texts
        : undefined;
    });
  });
  after(async () => {
    await zk.stop();
    authority.remove();
  });

  it("serves quorum_size on every member and leader_uptime on the leader alone, with both followers synced", () => {
    for (const text of scraped) assert.strictEqual(sample(text, "quorum_size"), 3);
    const leading = scraped.map((t) => sample(t, "leader_uptime") !== undefined);
    assert.deepStrictEqual(
      leading,
      modes.map((m) => m === "leader"),
      "leader_uptime on exactly the member srvr calls leader",
    );
    const leader = scraped[modes.indexOf("leader")];
    assert.strictEqual(sample(leader, "synced_followers"), 2);
    for (const text of scraped) {
      assert.strictEqual(sample(text, "unrecoverable_error_count"), 0);
      assert.ok(sample(text, "outstanding_requests") !== undefined, "outstanding_requests");
      assert.ok((sample(text, "znode_count") ?? 0) > 0, "znode_count");
      assert.match(text, /^jvm_memory_bytes_used\{area="heap",\} /m, "the JVM's own series");
    }
  });

  it("serves no password", () => {
    for (const text of scraped)
      for (const secret of Object.values(ZK_TEST_AUTH)) assert.ok(!text.includes(secret), "a password is served");
  });
});
