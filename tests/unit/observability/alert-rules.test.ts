// The alert rules (components/observability) proven by Prometheus's own rule tester: for every
// alert, series that make it fire (with the labels and rendered annotations expected) and series
// that must leave it quiet, run through `promtool test rules`. And the rules file users load
// (deploy/monitoring/alerts.yml) is what the code generates.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { alertRuleGroups } from "../../../components/observability/alert-groups";
import { alertRulesFile } from "../../../scripts/pipeline/alert-rules";
import { run } from "../../../harness/processes";
import { ROOT } from "../../../harness/stack-files";

const RULES = alertRuleGroups().flatMap((g) => g.rules);
const DAY = 86400;

interface Series {
  readonly series: string;
  /** promtool's expanding notation, one sample per minute: "1 1 0 0", "0x10". */
  readonly values: string;
}

interface Case {
  readonly alert: string;
  readonly what: string;
  readonly series: readonly Series[];
  /** Minutes after the first sample. */
  readonly at: number;
  /** The firing alert's labels besides alertname and severity, and its value as rendered; none: quiet. */
  readonly fires?: { readonly labels: Record<string, string>; readonly value: string };
}

const CASES: readonly Case[] = [
  {
    alert: "RedisDown",
    what: "a server down for 2 minutes",
    series: [{ series: 'redis_up{pod="redis-0"}', values: "1 1 0 0 0" }],
    at: 4,
    fires: { labels: { pod: "redis-0" }, value: "0" },
  },
  {
    alert: "RedisDown",
    what: "its sidecar no longer scraped (the server hung mid-handshake, or the pod is gone)",
    series: [
      { series: 'up{pod="redis-cluster-1", instance="10.244.0.9:9121", job="middleware"}', values: "1 1 0 0 0" },
      { series: 'up{pod="zookeeper-0", instance="10.244.0.8:7000", job="middleware"}', values: "1 1 0 0 0" },
    ],
    at: 4,
    fires: { labels: { pod: "redis-cluster-1", instance: "10.244.0.9:9121", job: "middleware" }, value: "0" },
  },
  {
    alert: "RedisDown",
    what: "every sidecar scraped and every server answering",
    series: [
      { series: 'up{pod="redis-0", instance="10.244.0.7:9121", job="middleware"}', values: "1 1 1 1 1" },
      { series: 'redis_up{pod="redis-0", instance="10.244.0.7:9121", job="middleware"}', values: "1 1 1 1 1" },
    ],
    at: 4,
  },
  {
    alert: "RedisDown",
    what: "down for less than its 20 s",
    series: [{ series: 'redis_up{pod="redis-0"}', values: "1 1 1 1 0" }],
    at: 4,
  },
  {
    alert: "RedisClusterStateFail",
    what: "a node in fail",
    series: [{ series: 'redis_cluster_state{pod="redis-cluster-2"}', values: "1 0 0 0" }],
    at: 3,
    fires: { labels: { pod: "redis-cluster-2" }, value: "0" },
  },
  {
    alert: "RedisClusterStateFail",
    what: "a node ok",
    series: [{ series: 'redis_cluster_state{pod="redis-cluster-2"}', values: "1 1 1 1" }],
    at: 3,
  },
  {
    alert: "RedisClusterSlotsNotCovered",
    what: "a third of the slots unserved",
    series: [{ series: 'redis_cluster_slots_ok{pod="redis-cluster-0"}', values: "16384 10923 10923 10923 10923" }],
    at: 4,
    fires: { labels: { pod: "redis-cluster-0" }, value: "10923" },
  },
  {
    alert: "RedisClusterSlotsNotCovered",
    what: "every slot served",
    series: [{ series: 'redis_cluster_slots_ok{pod="redis-cluster-0"}', values: "16384x5" }],
    at: 4,
  },
  {
    alert: "RedisReplicationBroken",
    what: "a replica's link down",
    series: [
      {
        series: 'redis_master_link_up{pod="redis-sentinel-data-1",master_host="10.244.0.7",master_port="6379"}',
        values: "1 0 0 0",
      },
    ],
    at: 3,
    fires: { labels: { pod: "redis-sentinel-data-1", master_host: "10.244.0.7", master_port: "6379" }, value: "0" },
  },
  {
    alert: "RedisReplicationBroken",
    what: "a link back within the minute",
    series: [{ series: 'redis_master_link_up{pod="redis-sentinel-data-1"}', values: "1 0 1 1" }],
    at: 3,
  },
  {
    alert: "RedisReplicaLagging",
    what: "a replica 30 s behind for 3 minutes",
    series: [
      {
        series:
          'redis_connected_slave_lag_seconds{pod="redis-sentinel-data-0",slave_ip="10.244.0.9",slave_port="6379",slave_state="online"}',
        values: "0 30 30 30 30",
      },
    ],
    at: 4,
    fires: {
      labels: { pod: "redis-sentinel-data-0", slave_ip: "10.244.0.9", slave_port: "6379", slave_state: "online" },
      value: "30",
    },
  },
  {
    alert: "RedisReplicaLagging",
    what: "a replica a second or two behind",
    series: [{ series: 'redis_connected_slave_lag_seconds{pod="redis-sentinel-data-0"}', values: "1 2 1 2 1" }],
    at: 4,
  },
  {
    alert: "RedisAofWriteError",
    what: "an AOF write failing",
    series: [{ series: 'redis_aof_last_write_status{pod="redis-0"}', values: "1 0" }],
    at: 1,
    fires: { labels: { pod: "redis-0" }, value: "0" },
  },
  {
    alert: "RedisAofWriteError",
    what: "AOF writes ok",
    series: [{ series: 'redis_aof_last_write_status{pod="redis-0"}', values: "1 1" }],
    at: 1,
  },
  {
    alert: "RedisMemoryNearMax",
    what: "95 % of maxmemory for 6 minutes",
    series: [
      { series: 'redis_memory_used_bytes{pod="redis-0"}', values: "95x8" },
      { series: 'redis_memory_max_bytes{pod="redis-0"}', values: "100x8" },
    ],
    at: 7,
    fires: { labels: { pod: "redis-0" }, value: "0.95" },
  },
  {
    alert: "RedisMemoryNearMax",
    what: "no maxmemory set (0), however much is used",
    series: [
      { series: 'redis_memory_used_bytes{pod="redis-0"}', values: "95x8" },
      { series: 'redis_memory_max_bytes{pod="redis-0"}', values: "0x8" },
    ],
    at: 7,
  },
  {
    alert: "RedisMemoryNearMax",
    what: "half of maxmemory",
    series: [
      { series: 'redis_memory_used_bytes{pod="redis-0"}', values: "50x8" },
      { series: 'redis_memory_max_bytes{pod="redis-0"}', values: "100x8" },
    ],
    at: 7,
  },
  {
    alert: "RedisSentinelMasterDown",
    what: "a sentinel seeing the master odown",
    series: [
      {
        series:
          'redis_sentinel_master_status{pod="redis-sentinel-0",master_name="mymaster",master_address="10.244.0.5:6379",master_status="odown"}',
        values: "1 1 1",
      },
    ],
    at: 2,
    fires: {
      labels: {
        pod: "redis-sentinel-0",
        master_name: "mymaster",
        master_address: "10.244.0.5:6379",
        master_status: "odown",
      },
      value: "1",
    },
  },
  {
    alert: "RedisSentinelMasterDown",
    what: "a sentinel seeing the master ok",
    series: [
      {
        series: 'redis_sentinel_master_status{pod="redis-sentinel-0",master_name="mymaster",master_status="ok"}',
        values: "1 1 1",
      },
    ],
    at: 2,
  },
  {
    alert: "RedisSentinelNoQuorum",
    what: "quorum out of reach",
    series: [
      {
        series: 'redis_sentinel_master_ckquorum_status{pod="redis-sentinel-1",master_name="mymaster"}',
        values: "0 0 0",
      },
    ],
    at: 2,
    fires: { labels: { pod: "redis-sentinel-1", master_name: "mymaster" }, value: "0" },
  },
  {
    alert: "RedisSentinelNoQuorum",
    what: "quorum reachable",
    series: [
      {
        series: 'redis_sentinel_master_ckquorum_status{pod="redis-sentinel-1",master_name="mymaster"}',
        values: "1 1 1",
      },
    ],
    at: 2,
  },
  {
    alert: "ZooKeeperNoLeader",
    what: "members up, none leading",
    series: [
      { series: 'quorum_size{namespace="mw",pod="zookeeper-0"}', values: "3 3 3" },
      { series: 'quorum_size{namespace="mw",pod="zookeeper-1"}', values: "3 3 3" },
    ],
    at: 2,
    fires: { labels: { namespace: "mw" }, value: "2" },
  },
  {
    alert: "ZooKeeperNoLeader",
    what: "a member leading",
    series: [
      { series: 'quorum_size{namespace="mw",pod="zookeeper-0"}', values: "3 3 3" },
      { series: 'quorum_size{namespace="mw",pod="zookeeper-2"}', values: "3 3 3" },
      { series: 'leader_uptime{namespace="mw",pod="zookeeper-2"}', values: "100 160 220" },
    ],
    at: 2,
  },
  {
    alert: "ZooKeeperFollowerNotSynced",
    what: "one of two followers gone",
    series: [
      { series: 'synced_followers{namespace="mw",pod="zookeeper-2"}', values: "2 1 1 1 1" },
      { series: 'quorum_size{namespace="mw",pod="zookeeper-0"}', values: "3x5" },
      { series: 'quorum_size{namespace="mw",pod="zookeeper-2"}', values: "3x5" },
    ],
    at: 4,
    fires: { labels: { namespace: "mw", pod: "zookeeper-2" }, value: "1" },
  },
  {
    alert: "ZooKeeperFollowerNotSynced",
    what: "both followers synced",
    series: [
      { series: 'synced_followers{namespace="mw",pod="zookeeper-2"}', values: "2x5" },
      { series: 'quorum_size{namespace="mw",pod="zookeeper-2"}', values: "3x5" },
    ],
    at: 4,
  },
  {
    alert: "ZooKeeperUnrecoverableError",
    what: "an unrecoverable error counted",
    series: [{ series: 'unrecoverable_error_count{namespace="mw",pod="zookeeper-1"}', values: "0 1" }],
    at: 1,
    fires: { labels: { namespace: "mw", pod: "zookeeper-1" }, value: "1" },
  },
  {
    alert: "ZooKeeperUnrecoverableError",
    what: "none",
    series: [{ series: 'unrecoverable_error_count{namespace="mw",pod="zookeeper-1"}', values: "0 0" }],
    at: 1,
  },
  {
    alert: "ZooKeeperRequestsPiling",
    what: "150 requests queued for 6 minutes",
    series: [{ series: 'outstanding_requests{namespace="mw",pod="zookeeper-0"}', values: "150x8" }],
    at: 6,
    fires: { labels: { namespace: "mw", pod: "zookeeper-0" }, value: "150" },
  },
  {
    alert: "ZooKeeperRequestsPiling",
    what: "a few queued",
    series: [{ series: 'outstanding_requests{namespace="mw",pod="zookeeper-0"}', values: "5x8" }],
    at: 6,
  },
  {
    alert: "MiddlewareCertificateRenewalDue",
    what: "20 days left, past the default renewBeforeDays (30), for over an hour",
    series: [{ series: 'probe_ssl_earliest_cert_expiry{job="tls",pod="redis-0"}', values: `${20 * DAY}x70` }],
    at: 65,
    fires: { labels: { job: "tls", pod: "redis-0" }, value: String((20 * DAY - 65 * 60) / DAY) },
  },
  {
    alert: "MiddlewareCertificateRenewalDue",
    what: "40 days left",
    series: [{ series: 'probe_ssl_earliest_cert_expiry{job="tls",pod="redis-0"}', values: `${40 * DAY}x70` }],
    at: 65,
  },
  {
    alert: "MiddlewareCertificateExpiring",
    what: "5 days left, under the default minValidDays (7)",
    series: [{ series: 'probe_ssl_earliest_cert_expiry{job="tls",pod="zookeeper-2"}', values: `${5 * DAY}x10` }],
    at: 6,
    fires: { labels: { job: "tls", pod: "zookeeper-2" }, value: String((5 * DAY - 6 * 60) / DAY) },
  },
  {
    alert: "MiddlewareCertificateExpiring",
    what: "10 days left",
    series: [{ series: 'probe_ssl_earliest_cert_expiry{job="tls",pod="zookeeper-2"}', values: `${10 * DAY}x10` }],
    at: 6,
  },
  {
    alert: "MiddlewareTlsProbeFailing",
    what: "a pod refusing the client certificate for 6 minutes",
    series: [{ series: 'probe_success{job="tls",pod="redis-cluster-3"}', values: "1 0 0 0 0 0 0 0" }],
    at: 7,
    fires: { labels: { job: "tls", pod: "redis-cluster-3" }, value: "0" },
  },
  {
    alert: "MiddlewareTlsProbeFailing",
    what: "one failed probe among answered ones",
    series: [{ series: 'probe_success{job="tls",pod="redis-cluster-3"}', values: "1 1 0 1 1 1 1 1" }],
    at: 7,
  },
];

/** The annotations as Prometheus renders them: $labels.x, $value, humanizePercentage and printf "%.1f", the forms the rules use. */
function render(template: string, labels: Record<string, string>, value: string): string {
  return template
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "")
    .replace(/\{\{ \$value \| humanizePercentage \}\}/g, `${Number(value) * 100}%`)
    .replace(/\{\{ \$value \| printf "%\.1f" \}\}/g, Number(value).toFixed(1))
    .replace(/\{\{ \$value \}\}/g, value);
}

/** promtool's test file for `cases`, against the rules file at `rules`. */
function promtoolTests(rules: string, cases: readonly Case[]): string {
  return yaml.dump({
    rule_files: [rules],
    evaluation_interval: "1m",
    tests: cases.map((c) => {
      const rule = RULES.find((r) => r.alert === c.alert);
      assert.ok(rule, `no alert ${c.alert}`);
      return {
        interval: "1m",
        input_series: c.series,
        alert_rule_test: [
          {
            eval_time: `${c.at}m`,
            alertname: c.alert,
            exp_alerts: c.fires
              ? [
                  {
                    exp_labels: { ...c.fires.labels, severity: rule.labels.severity },
                    exp_annotations: Object.fromEntries(
                      Object.entries(rule.annotations).map(([k, t]) => [k, render(t, c.fires!.labels, c.fires!.value)]),
                    ),
                  },
                ]
              : [],
          },
        ],
      };
    }),
  });
}

describe("alert rules (promtool)", function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-rules-"));
  const rules = path.join(dir, "alerts.yml");
  before(() => fs.writeFileSync(rules, alertRulesFile()));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const promtool = async (cases: readonly Case[]) => {
    const tests = path.join(dir, "tests.yml");
    fs.writeFileSync(tests, promtoolTests(rules, cases));
    return run("promtool", ["test", "rules", tests]);
  };

  it("ships the generated rules: deploy/monitoring/alerts.yml is `npm run alert-rules`", () => {
    const shipped = fs.readFileSync(path.join(ROOT, "deploy", "monitoring", "alerts.yml"), "utf8");
    assert.strictEqual(shipped, alertRulesFile(), "run: npm run --silent alert-rules > deploy/monitoring/alerts.yml");
  });

  it("passes promtool check rules", async () => {
    const r = await run("promtool", ["check", "rules", rules]);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${RULES.length} rules found`));
  });

  it("fires every alert on its condition, with its labels and annotations, and stays quiet otherwise", async () => {
    for (const rule of RULES) {
      const cases = CASES.filter((c) => c.alert === rule.alert);
      assert.ok(cases.some((c) => c.fires) && cases.some((c) => !c.fires), `${rule.alert}: a firing and a quiet case`);
    }
    const r = await promtool(CASES);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
  });

  it("fails a case whose expectation is wrong (the tester can fail)", async () => {
    const quiet = CASES.find((c) => c.alert === "RedisDown" && !c.fires)!;
    const r = await promtool([{ ...quiet, fires: { labels: { pod: "redis-0" }, value: "0" } }]);
    assert.notStrictEqual(r.code, 0, "promtool passed an alert that cannot fire");
  });
});
