// What every workload of redis-server pods (standalone, Redis Cluster nodes, Sentinel-managed data
// nodes) gives its StatefulWorkload, so the three components only state how they differ.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AuthSecret } from "../platform/auth-secret";
import { Resources } from "../config/settings";
import { PlatformArgs, StatefulWorkloadArgs } from "../workload/stateful-workload";
import { Port } from "../platform/ports";
import { RedisConfArgs, redisConf } from "./redis-conf";
import { METRICS_PORT, metricsSidecar, redisServerContainer, redisServerSends } from "./redis-container";
import type { Sidecar } from "../workload/stateful-set";
import type { WorkloadTls } from "../tls/workload-tls";
import { AuthFile, mountedAuthFiles } from "../platform/auth-files";

export interface RedisDataWorkloadArgs {
  /** Namespace, storage, scheduling and health wiring shared by every workload. */
  readonly platform: PlatformArgs;
  /** app.kubernetes.io/name of the pods, e.g. "redis-cluster". */
  readonly app: string;
  /** Name of the StatefulSet; the pods' DNS names derive from it. */
  readonly name: string;
  /** Number of pods. */
  readonly replicas: number;
  /** Digest-pinned Redis image. */
  readonly image: pulumi.Input<string>;
  /** redis.conf of every pod; its mode also picks the entrypoint's mode. */
  readonly conf: RedisConfArgs;
  /** The Secret with the passwords (of which the container mounts what it uses) at /etc/auth; its fingerprint rolls the pods. */
  readonly auth: AuthSecret;
  /** Requests and limits of the redis-server container. */
  readonly resources: Resources;
  /** Capacity of each pod's data volume, e.g. "8Gi". */
  readonly storageSize: string;
  /** Ports only the workload's own pods reach (the cluster bus). Defaults to none. */
  readonly peerPorts?: StatefulWorkloadArgs["peerPorts"];
  /** Extra environment of the redis-server container (peers to find again, discovery). Defaults to none. */
  readonly env?: k8s.types.input.core.v1.EnvVar[];
  /** TLS on every channel (workload-tls.ts); conf.tls follows it. Defaults to none: plain text. */
  readonly tls?: WorkloadTls;
  /** Containers beside redis-server; the metrics sidecar joins them when platform.metrics is set. Defaults to none. */
  readonly sidecars?: readonly Sidecar[];
}

/** The internal users a Redis workload's Secret holds: `files`, and the metrics user's when metrics are on. */
export function withMetricsUser(files: readonly AuthFile[], platform: PlatformArgs): AuthFile[] {
  return platform.metrics ? [...files, AuthFile.Metrics] : [...files];
}

/** StatefulWorkload arguments for redis-server pods: redis.conf, auth, the Redis client port, the container. */
export function redisDataWorkload(a: RedisDataWorkloadArgs): StatefulWorkloadArgs {
  const metrics = a.platform.metrics !== undefined;
  const conf = redisConf({ ...a.conf, tls: a.tls && { plaintextPort: a.tls.plaintextPort }, metrics });
  const plain = a.tls?.plaintextPort ? [{ name: "redis-plain", port: Port.RedisPlain }] : [];
  return {
    platform: a.platform,
    app: a.app,
    replicas: a.replicas,
    image: a.image,
    configFiles: { "redis.conf": conf },
    authSecretName: a.auth.secret.metadata.name,
    authFiles: mountedAuthFiles([conf], redisServerSends(a.conf.mode)),
    authFingerprint: a.auth.fingerprint,
    tls: a.tls?.pod,
    resources: a.resources,
    storageSize: a.storageSize,
    clientPorts: [{ name: "redis", port: Port.Redis }, ...plain],
    peerPorts: a.peerPorts ?? [],
    container: redisServerContainer(a.conf.mode, a.name, a.platform.zone, a.env),
    sidecars: [...(a.sidecars ?? []), ...(metrics ? [metricsSidecar(Port.Redis)] : [])],
    ...(metrics ? { metricsPort: METRICS_PORT } : {}),
  };
}
