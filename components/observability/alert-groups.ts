// Every alert of the stack, grouped per system: what deploy/monitoring/alerts.yml and the
// PrometheusRule hold.
import { REDIS_ALERTS, RuleGroup } from "./redis-alerts";
import { ZOOKEEPER_ALERTS } from "./zookeeper-alerts";

/** The rule groups of a Prometheus rules file. */
export function alertRuleGroups(): RuleGroup[] {
  return [
    { name: "middleware-redis", rules: REDIS_ALERTS },
    { name: "middleware-zookeeper", rules: ZOOKEEPER_ALERTS },
  ];
}
