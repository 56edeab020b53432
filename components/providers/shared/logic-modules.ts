// Every logic module a dynamic provider loads at run time, by the path loadLogic takes (relative to
// components/providers). Type-only imports: nothing here is loaded or serialized, but a renamed or
// moved module, or a renamed export a provider names, fails `tsc` instead of a deploy.

export interface LogicModules {
  "change-guard-logic": typeof import("../change-guard-logic");
  "monitoring-crds-logic": typeof import("../monitoring-crds-logic");
  "node-capacity-logic": typeof import("../node-capacity-logic");
  "redis-cluster-health-logic": typeof import("../redis-cluster-health-logic");
  "redis-cluster-init-logic": typeof import("../redis-cluster-init-logic");
  "redis-sentinel-health-logic": typeof import("../redis-sentinel-health-logic");
  "redis-standalone-health-logic": typeof import("../redis-standalone-health-logic");
  "rollout-logic": typeof import("../rollout-logic");
  "storage-root-logic": typeof import("../storage-root-logic");
  "volume-directories-logic": typeof import("../volume-directories-logic");
  "zookeeper-health-logic": typeof import("../zookeeper-health-logic");
  "shared/reach": typeof import("./reach");
  "../tls/certificate-logic": typeof import("../../tls/certificate-logic");
}

export type LogicFile = keyof LogicModules;

/** The exports of logic module `F` that take one argument and return a promise of `R` (per module, for a union). */
export type AsyncExport<F extends LogicFile, R = unknown> = F extends LogicFile
  ? {
      [K in keyof LogicModules[F]]: LogicModules[F][K] extends (input: never) => Promise<R> ? K : never;
    }[keyof LogicModules[F]] &
      string
  : never;
