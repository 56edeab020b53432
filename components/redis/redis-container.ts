import * as k8s from "@pulumi/kubernetes";
import { Port } from "../platform/ports";
import { heartbeat, liveness, readiness } from "../platform/probes";
import { RedisMode } from "./redis-conf";
import { Sidecar, podIdentityEnv } from "../workload/stateful-set";
import { AuthFile } from "../platform/auth-files";

type Container = Omit<k8s.types.input.core.v1.Container, "image" | "volumeMounts" | "securityContext" | "resources">;

function probes(port: number): Pick<Container, "readinessProbe" | "livenessProbe" | "startupProbe"> {
  return {
    // PING, and a replica's link up: a gate on cluster_state:ok would deadlock, since cluster init runs after the pods are ready.
    readinessProbe: readiness(["/usr/local/bin/redis-probe", "ready", String(port)]),
    // Replaying a large AOF answers LOADING for a while; the startup probe gives it time before liveness counts.
    startupProbe: {
      exec: { command: ["/usr/local/bin/redis-probe", "live", String(port)] },
      periodSeconds: 5,
      timeoutSeconds: 10,
      failureThreshold: 60,
    },
    livenessProbe: liveness(["/usr/local/bin/redis-probe", "live", String(port)]),
  };
}

/** How long a stopping Sentinel master may spend handing its role to a replica (images/redis/redis-handover). */
export const HANDOVER_TIMEOUT_SECONDS = 40;
/** A Sentinel data pod's grace period: the handover, then an AOF flush and exit. */
export const SENTINEL_DATA_GRACE_SECONDS = HANDOVER_TIMEOUT_SECONDS + 25;
/** How long a stopping cluster master may spend having its replica take over (images/redis/redis-cluster-handover). */
export const CLUSTER_HANDOVER_TIMEOUT_SECONDS = 20;
/** A cluster node's grace period: the handover, then an AOF flush and exit. */
export const CLUSTER_NODE_GRACE_SECONDS = CLUSTER_HANDOVER_TIMEOUT_SECONDS + 25;

/**
 * A redis-server container in one of the entrypoint's modes. A Sentinel data pod that is master
 * hands its role to a replica before it stops, so a rolling update is a switchover, not an outage.
 */
export function redisServerContainer(
  mode: RedisMode,
  statefulSet: string,
  zone: string,
  env: k8s.types.input.core.v1.EnvVar[] = [],
): Container {
  const ports: { name: string; containerPort: number }[] = [{ name: "redis", containerPort: Port.Redis }];
  if (mode === RedisMode.Cluster) ports.push({ name: "bus", containerPort: Port.RedisBus });
  const sentinelData = mode === RedisMode.SentinelData;
  return {
    name: "redis",
    command: ["/usr/local/bin/redis-entrypoint"],
    env: [
      { name: "REDIS_MODE", value: mode },
      ...podIdentityEnv(statefulSet, zone),
      ...(sentinelData ? [{ name: "HANDOVER_TIMEOUT_SECONDS", value: String(HANDOVER_TIMEOUT_SECONDS) }] : []),
      ...(mode === RedisMode.Cluster
        ? [{ name: "HANDOVER_TIMEOUT_SECONDS", value: String(CLUSTER_HANDOVER_TIMEOUT_SECONDS) }]
        : []),
      ...env,
    ],
    ports,
    ...probes(Port.Redis),
    ...(sentinelData ? { lifecycle: { preStop: { exec: { command: ["/usr/local/bin/redis-handover"] } } } } : {}),
    ...(mode === RedisMode.Cluster
      ? { lifecycle: { preStop: { exec: { command: ["/usr/local/bin/redis-cluster-handover"] } } } }
      : {}),
  };
}

export function sentinelContainer(statefulSet: string, zone: string, env: k8s.types.input.core.v1.EnvVar[]): Container {
  return {
    name: "sentinel",
    command: ["/usr/local/bin/sentinel-entrypoint"],
    env: [...podIdentityEnv(statefulSet, zone), ...env],
    ports: [{ name: "sentinel", containerPort: Port.Sentinel }],
    ...probes(Port.Sentinel),
  };
}

/** The passwords the scripts of a redis-server container authenticate with (images/redis); it mounts only these in plain. */
export function redisServerSends(mode: RedisMode): AuthFile[] {
  // redis-entrypoint leaves the replication user's credential for redis-probe.
  const sends: AuthFile[] = [AuthFile.Replication];
  // redis-cluster-peers finds moved peers; redis-cluster-handover (preStop) has a replica take over.
  if (mode === RedisMode.Cluster) sends.push(AuthFile.ClusterPeers, AuthFile.Handover);
  // redis-entrypoint asks the sentinels for the master; redis-handover (preStop) hands over.
  if (mode === RedisMode.SentinelData) sends.push(AuthFile.Discovery, AuthFile.Handover);
  return sends;
}

/** What sentinel-entrypoint sends besides its config's own passwords: it asks the other sentinels for the master. */
export const SENTINEL_SENDS: readonly AuthFile[] = [AuthFile.Discovery];

/** What the metrics sidecar may use: one exporter answering a scrape every few seconds. */
export const METRICS_RESOURCES = { requests: { cpu: "10m", memory: "24Mi" }, limits: { cpu: "100m", memory: "64Mi" } };

/**
 * The metrics sidecar of a Redis pod (images/redis/redis-metrics): Prometheus's text format on
 * Port.Metrics, read from the server on `port` as the `metrics` user. No readiness probe: the pod's
 * readiness is its server's, and a scrape that fails must not take the server out of its Services.
 */
export function metricsSidecar(port: number): Sidecar {
  return {
    container: {
      name: "metrics",
      command: ["/usr/local/bin/redis-metrics"],
      env: [
        { name: "REDIS_PORT", value: String(port) },
        { name: "METRICS_LISTEN", value: `:${Port.Metrics}` },
      ],
      ports: [{ name: "metrics", containerPort: Port.Metrics }],
      // An HTTP GET from the kubelet, not an exec: no process started in the pod.
      livenessProbe: {
        httpGet: { path: "/health", port: Port.Metrics },
        periodSeconds: 30,
        timeoutSeconds: 10,
        failureThreshold: 3,
      },
    },
    resources: METRICS_RESOURCES,
    authFiles: [AuthFile.Metrics],
  };
}

/** The metrics port as a workload names it. */
export const METRICS_PORT = { name: "metrics", port: Port.Metrics } as const;

/** What a Sentinel data pod's sidecars may use: a few millicores once a second, a shell and two clients. */
export const SIDECAR_RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "48Mi" } };

/**
 * The sidecar that moves its replica to the master a majority of the sentinels names, when they
 * could not (images/redis/redis-follow-sentinels): a deposed master that comes back then has no
 * replica left and refuses writes instead of acknowledging what the failover discards.
 */
export function followSentinelsSidecar(
  statefulSet: string,
  zone: string,
  env: k8s.types.input.core.v1.EnvVar[],
): Sidecar {
  const check = ["/usr/local/bin/redis-follow-sentinels", "--check"];
  return {
    container: {
      name: "follow-sentinels",
      command: ["/usr/local/bin/redis-follow-sentinels"],
      env: [...podIdentityEnv(statefulSet, zone), ...env],
      // The loop's heartbeat: a sentinel that does not answer is asked again next second, never a reason to restart.
      ...heartbeat(check),
    },
    resources: SIDECAR_RESOURCES,
    // The handover user: ROLE and REPLICAOF on its own server, the master's name from the sentinels.
    authFiles: [AuthFile.Handover],
  };
}
