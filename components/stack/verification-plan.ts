// The assertions a deployed stack must pass, derived from its settings alone: the same members
// the components register, so `npm run verify` re-checks a live stack without its state file.
import { Assertion } from "../health/assertions";
import { accessOf } from "../health/health-wiring";
import type { ClientTls } from "../provider-kit/client-tls";
import { StackSettings, WORKLOAD_NAME, Workload } from "../config/settings";
import { serviceZone } from "../platform/network";
import { redisClusterHealthInputs } from "../redis/cluster/redis-cluster-health";
import { redisSentinelHealthInputs } from "../redis/sentinel/redis-sentinel-health";
import { redisStandaloneHealthInputs } from "../redis/redis-standalone-health";
import { zookeeperHealthInputs } from "../zookeeper/zookeeper-health";

export interface PlannedCheck {
  /** What it reports as; the assertion's title unless a caller names it. */
  readonly name: string;
  readonly assertion: Assertion;
  readonly inputs: Record<string, unknown>;
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
