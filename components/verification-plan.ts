// The assertions a deployed stack must pass, derived from its settings alone: the same members
// the components register, so `npm run verify` re-checks a live stack without its state file.
import { Assertion } from "./providers/assertions";
import type { Access } from "./providers/shared/reach";
import type { ClientTls } from "./providers/shared/client-tls";
import { HealthAccess, StackSettings, WORKLOAD_NAME, Workload } from "./config/settings";
import {
  redisClusterHealthInputs,
  redisSentinelHealthInputs,
  redisStandaloneHealthInputs,
  zookeeperHealthInputs,
} from "./specs/health-inputs";
import { serviceZone } from "./specs/network";

export interface PlannedCheck {
  /** What it reports as; the assertion's title unless a caller names it. */
  readonly name: string;
  readonly assertion: Assertion;
  readonly inputs: Record<string, unknown>;
}

/** How the post-deploy resources and `verify` reach the pods, from the health settings. */
export function accessOf(s: Pick<StackSettings, "health" | "namespace">): Access {
  return s.health.access === HealthAccess.PortForward
    ? {
        kind: "portForward",
        namespace: s.namespace,
        ...(s.health.kubeContext ? { context: s.health.kubeContext } : {}),
      }
    : { kind: "direct" };
}

/** The passwords the checks authenticate with, and the certificate they present where a workload speaks TLS. */
export interface VerificationSecrets {
  readonly redisPassword: string;
  readonly zookeeperAdminPassword: string;
  /** For each workload that speaks TLS, a client certificate of its authority (its <name>-client-tls Secret). */
  readonly clientTls?: Partial<Record<Workload, ClientTls>>;
}

export function verificationPlan(
  s: StackSettings,
  { redisPassword, zookeeperAdminPassword, clientTls = {} }: VerificationSecrets,
): PlannedCheck[] {
  const access = accessOf(s);
  const zone = serviceZone(s.namespace, s.clusterDomain);
  const check = (assertion: Assertion, inputs: object, password: string, workload?: Workload): PlannedCheck => {
    const tls = workload && clientTls[workload];
    return {
      name: Assertion[assertion].title,
      assertion,
      inputs: { ...inputs, password, access, ...(tls ? { tls, minValidDays: s.tls.minValidDays } : {}) },
    };
  };
  const checks: PlannedCheck[] = [];
  if (s.zookeeper.enabled) {
    const inputs = zookeeperHealthInputs(WORKLOAD_NAME.zookeeper, s.zookeeper, zone);
    checks.push(check("ZooKeeper", inputs, zookeeperAdminPassword, Workload.ZooKeeper));
  }
  if (s.redis.enabled) {
    const inputs = redisStandaloneHealthInputs(WORKLOAD_NAME.redis, zone);
    checks.push(check("RedisStandalone", inputs, redisPassword, Workload.Redis));
  }
  if (s.redisCluster.enabled) {
    const inputs = redisClusterHealthInputs(WORKLOAD_NAME.redisCluster, s.redisCluster, zone);
    checks.push(check("RedisCluster", inputs, redisPassword, Workload.RedisCluster));
  }
  if (s.redisSentinel.enabled) {
    const inputs = redisSentinelHealthInputs(WORKLOAD_NAME.redisSentinel, s.redisSentinel, zone);
    checks.push(check("RedisSentinel", inputs, redisPassword, Workload.RedisSentinel));
  }
  return checks;
}
