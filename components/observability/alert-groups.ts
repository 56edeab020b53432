// Every alert of the stack, grouped per system: what deploy/monitoring/alerts.yml (default
// certificate days) and a stack's PrometheusRule and own Prometheus (its tls days) hold.
import { TLS_DAY_DEFAULTS } from "../config/settings";
import { REDIS_ALERTS, RuleGroup } from "./redis-alerts";
import { CertificateDays, certificateAlerts } from "./tls-probes";
import { ZOOKEEPER_ALERTS } from "./zookeeper-alerts";

/** The rule groups of a Prometheus rules file. */
export function alertRuleGroups(days: CertificateDays = TLS_DAY_DEFAULTS): RuleGroup[] {
  return [
    { name: "middleware-redis", rules: REDIS_ALERTS },
    { name: "middleware-zookeeper", rules: ZOOKEEPER_ALERTS },
    { name: "middleware-tls", rules: certificateAlerts(days) },
  ];
}
