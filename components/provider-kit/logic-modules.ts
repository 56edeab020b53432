// Every logic module a dynamic provider loads at run time, by the path loadLogic takes (relative to
// components/). Type-only imports: nothing here is loaded or serialized, but a renamed or
// moved module, or a renamed export a provider names, fails `tsc` instead of a deploy.

export interface LogicModules {
  "platform/change-guard-logic": typeof import("../platform/change-guard-logic");
  "observability/monitoring-crds-logic": typeof import("../observability/monitoring-crds-logic");
  "stack/node-capacity-logic": typeof import("../stack/node-capacity-logic");
  "redis/cluster/redis-cluster-health-logic": typeof import("../redis/cluster/redis-cluster-health-logic");
  "redis/cluster/redis-cluster-init-logic": typeof import("../redis/cluster/redis-cluster-init-logic");
  "redis/sentinel/redis-sentinel-health-logic": typeof import("../redis/sentinel/redis-sentinel-health-logic");
  "redis/redis-standalone-health-logic": typeof import("../redis/redis-standalone-health-logic");
  "platform/rollout-logic": typeof import("../platform/rollout-logic");
  "storage/storage-root-logic": typeof import("../storage/storage-root-logic");
  "storage/volume-directories-logic": typeof import("../storage/volume-directories-logic");
  "zookeeper/zookeeper-health-logic": typeof import("../zookeeper/zookeeper-health-logic");
  "provider-kit/reach": typeof import("./reach");
  "tls/certificate-logic": typeof import("../tls/certificate-logic");
}

export type LogicFile = keyof LogicModules;

/** The exports of logic module `F` that take one argument and return a promise of `R` (per module, for a union). */
export type AsyncExport<F extends LogicFile, R = unknown> = F extends LogicFile
  ? {
      [K in keyof LogicModules[F]]: LogicModules[F][K] extends (input: never) => Promise<R> ? K : never;
    }[keyof LogicModules[F]] &
      string
  : never;
