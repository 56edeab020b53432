// The assertions a deployed stack must pass, derived from its settings alone: the same members
// the components register, so `npm run verify` re-checks a live stack without its state file.
import { Assertion } from "./providers/assertions";
import type { Access } from "./providers/shared/reach";
import { HealthAccess, StackSettings, WORKLOAD_NAME } from "./config/settings";
import { podHosts, serviceZone } from "./specs/network";
import { Port } from "./specs/ports";
import { clusterSize } from "./specs/slot-plan";
import { ZOOKEEPER_CLIENT_USER } from "./specs/zoo-cfg";

export interface PlannedCheck {
  /** What it reports as; the assertion's title unless a caller names it. */
  readonly name: string;
  readonly assertion: Assertion;
  readonly inputs: Record<string, unknown>;
}

function hosts(s: StackSettings, set: string, replicas: number, port: number): string[] {
  return podHosts(set, replicas, serviceZone(s.namespace, s.clusterDomain)).map((h) => `${h}:${port}`);
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

/** The passwords the checks authenticate with. */
export interface VerificationSecrets {
  readonly redisPassword: string;
  readonly zookeeperAdminPassword: string;
}

export function verificationPlan(
  s: StackSettings,
  { redisPassword, zookeeperAdminPassword }: VerificationSecrets,
): PlannedCheck[] {
  const access = accessOf(s);
  const checks: PlannedCheck[] = [];
  if (s.zookeeper.enabled) {
    checks.push({
      name: Assertion.ZooKeeper.title,
      assertion: "ZooKeeper",
      inputs: {
        servers: hosts(s, WORKLOAD_NAME.zookeeper, s.zookeeper.replicas, Port.ZooKeeperClient),
        expectedSize: s.zookeeper.replicas,
        clientUser: ZOOKEEPER_CLIENT_USER,
        password: zookeeperAdminPassword,
        access,
      },
    });
  }
  if (s.redis.enabled) {
    checks.push({
      name: Assertion.RedisStandalone.title,
      assertion: "RedisStandalone",
      inputs: { endpoint: hosts(s, WORKLOAD_NAME.redis, 1, Port.Redis)[0], password: redisPassword, access },
    });
  }
  if (s.redisCluster.enabled) {
    const c = s.redisCluster;
    checks.push({
      name: Assertion.RedisCluster.title,
      assertion: "RedisCluster",
      inputs: {
        nodes: hosts(s, WORKLOAD_NAME.redisCluster, clusterSize(c.masters, c.replicasPerMaster), Port.Redis),
        expectedMasters: c.masters,
        replicasPerMaster: c.replicasPerMaster,
        password: redisPassword,
        access,
      },
    });
  }
  if (s.redisSentinel.enabled) {
    const r = s.redisSentinel;
    checks.push({
      name: Assertion.RedisSentinel.title,
      assertion: "RedisSentinel",
      inputs: {
        sentinels: hosts(s, WORKLOAD_NAME.redisSentinel, r.sentinels, Port.Sentinel),
        masterName: r.masterName,
        expectedReplicas: r.dataReplicas - 1,
        password: redisPassword,
        access,
      },
    });
  }
  return checks;
}
