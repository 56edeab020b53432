// A dashboard per system, in Grafana's JSON model (the format Grafana and the tools that read its
// dashboards import), over the series the stack's pods serve. deploy/monitoring/dashboards/ holds
// them as files (`npm run --silent dashboards`); the e2e suite runs every query against the local
// stack's Prometheus and wants data from each. Pure: no Pulumi here.

/** One query of a panel; `$namespace` is the dashboard's variable (the stack's namespace). */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

interface PanelSpec {
  readonly title: string;
  /** A graph over time, a table of the latest values, or one number. */
  readonly kind: "timeseries" | "table" | "stat";
  readonly queries: readonly PanelQuery[];
  /** Grafana's unit id: "bytes", "s", "ops", "short"... */
  readonly unit?: string;
  readonly description?: string;
}

interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly panels: readonly PanelSpec[];
}

const q = (expr: string, legend = "{{pod}}"): PanelQuery => ({ expr, legend });
/** The series of one workload's pods in the chosen namespace. */
const of = (podPattern: string) => `namespace="$namespace", pod=~"${podPattern}"`;
const CLUSTER = of("redis-cluster-[0-9]+");
const SENTINEL_DATA = of("redis-sentinel-data-[0-9]+");
const SENTINELS = of("redis-sentinel-[0-9]+");
const STANDALONE = of("redis-[0-9]+");
const ZOOKEEPER = of("zookeeper-[0-9]+");

/** What every Redis data pod shows, for the pods `sel` selects; `replicated`: the set has replicas. */
const redisDataPanels = (sel: string, replicated = true): PanelSpec[] => [
  {
    title: "Role of each pod",
    kind: "table",
    description: "Which pod is a master and which a replica, as each server says (INFO replication).",
    queries: [q(`max by (pod, role) (redis_instance_info{${sel}})`)],
  },
  {
    title: "Commands per second",
    kind: "timeseries",
    unit: "ops",
    queries: [q(`sum by (pod) (rate(redis_commands_processed_total{${sel}}[1m]))`)],
  },
  ...(replicated ? replicationPanels(sel) : []),
  {
    title: "Memory used / maxmemory",
    kind: "timeseries",
    unit: "percentunit",
    description: "RedisMemoryNearMax fires above 90 %.",
    queries: [q(`redis_memory_used_bytes{${sel}} / (redis_memory_max_bytes{${sel}} > 0)`)],
  },
  {
    title: "Clients connected",
    kind: "timeseries",
    unit: "short",
    queries: [q(`redis_connected_clients{${sel}}`)],
  },
  {
    title: "AOF: last write ok (1) and rewrites",
    kind: "timeseries",
    unit: "short",
    description: "RedisAofWriteError fires the moment a write to the append-only file fails.",
    queries: [
      q(`redis_aof_last_write_status{${sel}}`, "{{pod}} write ok"),
      q(`redis_aof_rewrite_in_progress{${sel}}`, "{{pod}} rewriting"),
    ],
  },
];

const replicationPanels = (sel: string): PanelSpec[] => [
  {
    title: "Replication offset",
    kind: "timeseries",
    unit: "bytes",
    description: "A replica that keeps up follows its master's line.",
    queries: [q(`redis_master_repl_offset{${sel}}`)],
  },
  {
    title: "Replica lag",
    kind: "timeseries",
    unit: "s",
    description: "Seconds since each replica last acknowledged its master; RedisReplicaLagging fires above 10 s.",
    queries: [q(`max by (pod, slave_ip) (redis_connected_slave_lag_seconds{${sel}})`, "{{pod}} <- {{slave_ip}}")],
  },
];

const DASHBOARDS: readonly DashboardSpec[] = [
  {
    uid: "middleware-redis-cluster",
    title: "Redis Cluster",
    description: "The Redis Cluster of a middleware stack: topology, slots, replication, load and memory.",
    panels: [
      {
        title: "Cluster state (1 = ok)",
        kind: "stat",
        queries: [q(`min(redis_cluster_state{${CLUSTER}})`, "worst node's view")],
      },
      {
        title: "Slots served, as each node sees them",
        kind: "timeseries",
        unit: "short",
        description:
          "16384 when every slot has a master that answers. The exporter does not split slots by master; `redis-cli --cluster check` does.",
        queries: [q(`redis_cluster_slots_ok{${CLUSTER}}`)],
      },
      {
        title: "Masters serving slots",
        kind: "stat",
        queries: [q(`max(redis_cluster_size{${CLUSTER}})`, "masters")],
      },
      ...redisDataPanels(CLUSTER),
    ],
  },
  {
    uid: "middleware-redis-sentinel",
    title: "Redis Sentinel",
    description: "The Sentinel set of a middleware stack: who is master, quorum, replication, load and memory.",
    panels: [
      {
        title: "Master as each sentinel sees it",
        kind: "table",
        queries: [
          q(`max by (pod, master_name, master_address, master_status) (redis_sentinel_master_status{${SENTINELS}})`),
        ],
      },
      {
        title: "Sentinels and replicas each sentinel sees",
        kind: "timeseries",
        unit: "short",
        description: "RedisSentinelNoQuorum fires when the sentinels cannot authorise a failover.",
        queries: [
          q(`redis_sentinel_master_ok_sentinels{${SENTINELS}}`, "{{pod}} sentinels"),
          q(`redis_sentinel_master_ok_slaves{${SENTINELS}}`, "{{pod}} replicas"),
        ],
      },
      ...redisDataPanels(SENTINEL_DATA),
    ],
  },
  {
    uid: "middleware-redis",
    title: "Redis (standalone)",
    description: "The standalone Redis of a middleware stack: load, memory, clients and its append-only file.",
    panels: redisDataPanels(STANDALONE, false),
  },
  {
    uid: "middleware-zookeeper",
    title: "ZooKeeper",
    description: "The ZooKeeper ensemble of a middleware stack: leader, followers in sync, latency and load.",
    panels: [
      {
        title: "Leader",
        kind: "table",
        description: "The member that serves leader_uptime leads; ZooKeeperNoLeader fires when none does.",
        queries: [q(`leader_uptime{${ZOOKEEPER}}`)],
      },
      {
        title: "Followers in sync with the leader",
        kind: "stat",
        queries: [q(`max(synced_followers{${ZOOKEEPER}})`, "synced")],
      },
      {
        title: "Request latency (average and worst since start)",
        kind: "timeseries",
        unit: "ms",
        queries: [q(`avg_latency{${ZOOKEEPER}}`, "{{pod}} avg"), q(`max_latency{${ZOOKEEPER}}`, "{{pod}} max")],
      },
      {
        title: "Outstanding requests",
        kind: "timeseries",
        unit: "short",
        description: "Requests queued behind the server; ZooKeeperRequestsPiling fires above 100 for 5 min.",
        queries: [q(`outstanding_requests{${ZOOKEEPER}}`)],
      },
      {
        title: "Packets per second",
        kind: "timeseries",
        unit: "pps",
        queries: [
          q(`rate(packets_received{${ZOOKEEPER}}[1m])`, "{{pod}} in"),
          q(`rate(packets_sent{${ZOOKEEPER}}[1m])`, "{{pod}} out"),
        ],
      },
      {
        title: "Client connections",
        kind: "timeseries",
        unit: "short",
        queries: [q(`num_alive_connections{${ZOOKEEPER}}`)],
      },
    ],
  },
];

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

/** A dashboard in Grafana's JSON model: two panels a row, a data source and a namespace variable. */
function grafanaDashboard(d: DashboardSpec): Record<string, unknown> {
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ["middleware"],
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: "30s",
    time: { from: "now-1h", to: "now" },
    templating: {
      list: [
        { name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus" },
        {
          name: "namespace",
          label: "Stack namespace",
          type: "query",
          datasource: DATASOURCE,
          query: { query: "label_values(redis_up, namespace)", refId: "namespaces" },
          refresh: 1,
        },
      ],
    },
    panels: d.panels.map((p, i) => ({
      id: i + 1,
      type: p.kind,
      title: p.title,
      ...(p.description ? { description: p.description } : {}),
      datasource: DATASOURCE,
      gridPos: { x: (i % 2) * PANEL_WIDTH, y: Math.floor(i / 2) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
      fieldConfig: { defaults: { unit: p.unit ?? "short" }, overrides: [] },
      targets: p.queries.map((query, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: DATASOURCE,
        expr: query.expr,
        legendFormat: query.legend,
        ...(p.kind === "table" ? { instant: true, format: "table" } : {}),
      })),
    })),
  };
}

/** Every dashboard, by file name. */
export function dashboardFiles(): Record<string, string> {
  return Object.fromEntries(
    DASHBOARDS.map((d) => [`${d.uid}.json`, JSON.stringify(grafanaDashboard(d), null, 2) + "\n"]),
  );
}

/** Every query of every dashboard, `$namespace` as written, with where it is. */
export function dashboardQueries(): { dashboard: string; panel: string; expr: string }[] {
  return DASHBOARDS.flatMap((d) =>
    d.panels.flatMap((p) => p.queries.map((x) => ({ dashboard: d.title, panel: p.title, expr: x.expr }))),
  );
}
