// Alerts on ZooKeeper's own metrics (its Prometheus metrics provider, zoo.cfg ZOO_METRICS_LINES;
// the series names as ZooKeeper 3.8 serves them). One ensemble per stack namespace, so a
// namespace's members are one ensemble. Pure data, like redis-alerts.ts.
import type { AlertRule } from "./redis-alerts";

export const ZOOKEEPER_ALERTS: readonly AlertRule[] = [
  {
    alert: "ZooKeeperNoLeader",
    // Every member serves quorum_size; only a leader serves leader_uptime.
    expr: "count by (namespace) (quorum_size) unless on (namespace) count by (namespace) (leader_uptime)",
    for: "1m",
    labels: { severity: "critical" },
    annotations: {
      summary: "ZooKeeper in {{ $labels.namespace }} has no leader",
      description:
        "Without a leader the ensemble serves no request: a majority of members is down, cut off, or still electing.",
    },
  },
  {
    alert: "ZooKeeperFollowerNotSynced",
    // Every member serves quorum_size: the ensemble's is their largest.
    expr: "synced_followers < on (namespace) group_left max by (namespace) (quorum_size) - 1",
    for: "2m",
    labels: { severity: "warning" },
    annotations: {
      summary: "ZooKeeper leader {{ $labels.pod }} has {{ $value }} synced followers",
      description:
        "A member is down or behind: one more loss and the ensemble has no majority. Look at the member that is not following.",
    },
  },
  {
    alert: "ZooKeeperUnrecoverableError",
    expr: "unrecoverable_error_count > 0",
    for: "0m",
    labels: { severity: "critical" },
    annotations: {
      summary: "ZooKeeper {{ $labels.pod }} hit an unrecoverable error",
      description: "The member stopped serving after an error it cannot recover from; its log says which.",
    },
  },
  {
    alert: "ZooKeeperRequestsPiling",
    expr: "outstanding_requests > 100",
    for: "5m",
    labels: { severity: "warning" },
    annotations: {
      summary: "ZooKeeper {{ $labels.pod }} has {{ $value }} requests queued",
      description:
        "Requests arrive faster than the member commits them: a slow disk (fsync) or an overloaded ensemble.",
    },
  },
];
