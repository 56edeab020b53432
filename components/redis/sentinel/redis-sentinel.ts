import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppendFsync, RedisSentinelSettings, TlsSettings } from "../../config/settings";
import { RedisSentinelHealth, redisSentinelHealthInputs } from "./redis-sentinel-health";
import { Credentials, acceptsPreviousPassword, authSecret, internalPasswordsGuard } from "../../platform/auth-secret";
import { formationMarker, formationMarkerMount } from "../../workload/formation-marker";
import { SENTINEL_INTERNAL_USERS } from "../redis-acl";
import { PlatformArgs, StatefulWorkload } from "../../workload/stateful-workload";
import { redisDataWorkload, withMetricsUser } from "../redis-data-workload";
import { masterService, roleLabelAccount, roleLabelSidecar } from "./redis-master-service";
import { podEndpoints, podHost, podHosts } from "../../platform/network";
import { Port } from "../../platform/ports";
import { RedisMode, sentinelConf } from "../redis-conf";
import {
  METRICS_PORT,
  SENTINEL_DATA_GRACE_SECONDS,
  SENTINEL_SENDS,
  followSentinelsSidecar,
  metricsSidecar,
  sentinelContainer,
} from "../redis-container";
import { tlsSwitchGuard, workloadTls } from "../../tls/workload-tls";
import { mountedAuthFiles } from "../../platform/auth-files";

export interface RedisSentinelArgs {
  /** Namespace, storage, scheduling and health wiring shared by every workload. */
  readonly platform: PlatformArgs;
  /** Data replicas, sentinels, quorum, timeouts, memory and resources, validated. */
  readonly settings: RedisSentinelSettings;
  /** Digest-pinned Redis image (it has both entrypoints). */
  readonly image: pulumi.Input<string>;
  /** Capacity of each data pod's volume, e.g. "8Gi". */
  readonly storageSize: string;
  /** The client and admin passwords and the internal secret, as Pulumi secrets. */
  readonly credentials: Credentials;
  /**
   * TLS with mutual authentication on the data pods' client port and replication, the sentinels'
   * port and their links to the data pods and to each other (one authority for both). Defaults to
   * none: plain text.
   */
  readonly tls?: TlsSettings;
}

/** Sentinels keep only a small state file (master, epochs; no password) on their volumes. */
const SENTINEL_VOLUME = "64Mi";

/** The StatefulSet of the Redis servers the sentinels watch, beside the sentinels' own `name`. */
export function sentinelDataName(name: string): string {
  return `${name}-data`;
}

/**
 * Redis replication watched by Sentinel: a data StatefulSet (pod 0 is master on a fresh
 * deployment; afterwards every pod asks the sentinels who is master before it starts) and a
 * sentinel StatefulSet that monitors it by DNS name.
 */
export class RedisSentinel extends pulumi.ComponentResource {
  public readonly data: StatefulWorkload;
  public readonly sentinels: StatefulWorkload;
  /** `host:port` of every sentinel. */
  public readonly sentinelEndpoints: string[];
  public readonly masterName: string;
  /** `<name>-master`: follows the master, for clients that do not speak Sentinel. */
  public readonly masterService: k8s.core.v1.Service;
  /** `host:port` of that Service. */
  public readonly masterEndpoint: string;
  /** Agreement, quorum and replication report; undefined when health checks are disabled. */
  public readonly health?: RedisSentinelHealth;
  /** The Secret (ca.crt, tls.crt, tls.key) applications mount to connect; undefined without TLS. */
  public readonly clientTlsSecretName?: pulumi.Output<string>;

  constructor(name: string, args: RedisSentinelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:redis:RedisSentinel", name, {}, opts);
    const p = args.platform;
    const s = args.settings;
    const auth = authSecret(
      name,
      {
        platform: p,
        credentials: args.credentials,
        internalFiles: withMetricsUser(SENTINEL_INTERNAL_USERS, p),
        internalScope: name,
        hashes: true,
      },
      this,
    );
    const dataName = sentinelDataName(name);
    const tls =
      args.tls &&
      workloadTls(
        name,
        { platform: p, app: "redis-sentinel", protocol: "redis", settings: args.tls, statefulSets: [name, dataName] },
        this,
      );
    this.clientTlsSecretName = tls?.clientSecretName;
    // Sentinels and data pods speak TLS and authenticate to each other: all of them switch together.
    const members = [
      ...podEndpoints(dataName, s.dataReplicas, p.zone, Port.Redis),
      ...podEndpoints(name, s.sentinels, p.zone, Port.Sentinel),
    ];
    const gates = [
      internalPasswordsGuard(name, members, p.health?.access, this),
      ...(tls ? [tlsSwitchGuard(name, members, p.health?.access, this)] : []),
    ];
    const discoveryEnv = [
      { name: "MASTER_NAME", value: s.masterName },
      // The sentinels' client Service: asked for the current master before a pod starts.
      { name: "SENTINEL_HOST", value: `${name}.${p.zone}` },
      { name: "DEFAULT_MASTER_HOST", value: podHost(dataName, 0, p.zone) },
      // Each sentinel by name: a stopping master asks one that can promote a replica
      // (images/redis/redis-handover); a restarting sentinel keeps only these as known peers.
      { name: "SENTINEL_PEERS", value: podHosts(name, s.sentinels, p.zone).join(" ") },
    ];
    const account = roleLabelAccount(dataName, s.dataReplicas, "redis-sentinel-data", p, this);
    this.data = new StatefulWorkload(
      dataName,
      {
        markers: [formationMarkerMount(name)],
        gates,
        serviceAccountName: account.metadata.name,
        ...redisDataWorkload({
          platform: p,
          app: "redis-sentinel-data",
          name: dataName,
          replicas: s.dataReplicas,
          image: args.image,
          conf: {
            mode: RedisMode.SentinelData,
            maxmemory: s.maxmemory,
            appendfsync: AppendFsync.EverySec,
            clientAcl: s.clientAcl,
            clientScripting: s.clientScripting,
            acceptsPreviousPassword: acceptsPreviousPassword(args.credentials),
          },
          auth,
          resources: s.resources,
          storageSize: args.storageSize,
          env: discoveryEnv,
          tls,
          // One keeps each pod labelled with its server's role, for the master Service below; the
          // other moves a replica the sentinels could not reach to the master they elected.
          sidecars: [roleLabelSidecar(), followSentinelsSidecar(dataName, p.zone, discoveryEnv)],
        }),
        terminationGracePeriodSeconds: SENTINEL_DATA_GRACE_SECONDS,
      },
      { parent: this, dependsOn: [account] },
    );
    this.masterService = masterService(name, this.data.labels, p, this, tls?.plaintextPort);
    const sentinelText = sentinelConf({
      ...s,
      acceptsPreviousPassword: acceptsPreviousPassword(args.credentials),
      tls: tls && { plaintextPort: tls.plaintextPort },
      metrics: p.metrics !== undefined,
    });
    this.masterEndpoint = `${name}-master.${p.zone}:${Port.Redis}`;
    this.sentinels = new StatefulWorkload(
      name,
      {
        platform: p,
        app: "redis-sentinel",
        replicas: s.sentinels,
        image: args.image,
        configFiles: { "sentinel.conf": sentinelText },
        authSecretName: auth.secret.metadata.name,
        authFiles: mountedAuthFiles([sentinelText], SENTINEL_SENDS),
        authFingerprint: auth.fingerprint,
        tls: tls?.pod,
        resources: s.sentinelResources,
        storageSize: SENTINEL_VOLUME,
        clientPorts: [
          { name: "sentinel", port: Port.Sentinel },
          ...(tls?.plaintextPort ? [{ name: "sentinel-plain", port: Port.SentinelPlain }] : []),
        ],
        peerPorts: [],
        container: sentinelContainer(name, p.zone, discoveryEnv),
        ...(p.metrics ? { sidecars: [metricsSidecar(Port.Sentinel)], metricsPort: METRICS_PORT } : {}),
        gates,
      },
      // Beside the data pods, not after them: data pods holding data wait for the sentinels'
      // word on the master (images/redis/redis-entrypoint), and on a `destroy` then `up` over kept
      // volumes that wait would otherwise never end.
      { parent: this },
    );
    const shape = redisSentinelHealthInputs(name, s, p.zone);
    this.sentinelEndpoints = shape.sentinels;
    this.masterName = s.masterName;
    if (p.health) {
      this.health = new RedisSentinelHealth(
        `${name}-health`,
        {
          ...shape,
          password: args.credentials.password,
          tls: tls?.deployer,
          minValidDays: tls?.minValidDays,
          access: p.health.access,
          retryForMs: p.health.retryForMs,
          trigger: pulumi.interpolate`${this.data.revision}|${this.sentinels.revision}`,
        },
        { parent: this, dependsOn: [this.data.ready, this.sentinels.ready] },
      );
      formationMarker(
        name,
        this.data,
        p,
        "the set passed its health assertion; a master back on an empty volume now waits for a failover",
        this.health,
        this,
      );
    }
    this.registerOutputs({
      sentinelEndpoints: this.sentinelEndpoints,
      masterName: this.masterName,
      masterEndpoint: this.masterEndpoint,
      health: this.health?.report,
      clientTlsSecret: this.clientTlsSecretName,
    });
  }
}
