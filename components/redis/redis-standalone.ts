import * as pulumi from "@pulumi/pulumi";
import { RedisStandaloneHealth, redisStandaloneHealthInputs } from "./redis-standalone-health";
import { AuthFile, Credentials, acceptsPreviousPassword, authSecret } from "../platform/auth-secret";
import { RedisSettings, TlsSettings } from "../config/settings";
import { PlatformArgs, StatefulWorkload } from "../workload/stateful-workload";
import { redisDataWorkload, withMetricsUser } from "./redis-data-workload";
import { Port } from "../platform/ports";
import { RedisMode } from "./redis-conf";
import { workloadTls } from "../tls/workload-tls";

export interface RedisStandaloneArgs {
  /** Namespace, storage, scheduling and health wiring shared by every workload. */
  readonly platform: PlatformArgs;
  /** Memory, fsync policy, client ACL and resources, validated. */
  readonly settings: RedisSettings;
  /** Digest-pinned Redis image. */
  readonly image: pulumi.Input<string>;
  /** Capacity of the data volume, e.g. "8Gi". */
  readonly storageSize: string;
  /** The client and admin passwords and the internal secret, as Pulumi secrets. */
  readonly credentials: Credentials;
  /** TLS with mutual authentication on the client port and replication. Defaults to none: plain text. */
  readonly tls?: TlsSettings;
}

/** One Redis server with AOF persistence on its own volume. */
export class RedisStandalone extends pulumi.ComponentResource {
  public readonly workload: StatefulWorkload;
  /** `host:port` of the client Service. */
  public readonly endpoint: string;
  /** PING, AOF and write/read report; undefined when health checks are disabled. */
  public readonly health?: RedisStandaloneHealth;
  /** The Secret (ca.crt, tls.crt, tls.key) applications mount to connect; undefined without TLS. */
  public readonly clientTlsSecretName?: pulumi.Output<string>;

  constructor(name: string, args: RedisStandaloneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:redis:RedisStandalone", name, {}, opts);
    const p = args.platform;
    const auth = authSecret(
      name,
      // One pod, no replica: its own derivation needs no stop (the pod restarts alone either way).
      {
        platform: p,
        credentials: args.credentials,
        internalFiles: withMetricsUser([AuthFile.Replication], p),
        internalScope: name,
        hashes: true,
      },
      this,
    );
    const tls =
      args.tls && workloadTls(name, { platform: p, app: "redis", protocol: "redis", settings: args.tls }, this);
    this.clientTlsSecretName = tls?.clientSecretName;
    this.workload = new StatefulWorkload(
      name,
      redisDataWorkload({
        platform: p,
        app: "redis",
        name,
        replicas: 1,
        image: args.image,
        conf: {
          mode: RedisMode.Standalone,
          maxmemory: args.settings.maxmemory,
          appendfsync: args.settings.appendfsync,
          clientAcl: args.settings.clientAcl,
          clientScripting: args.settings.clientScripting,
          acceptsPreviousPassword: acceptsPreviousPassword(args.credentials),
        },
        auth,
        resources: args.settings.resources,
        storageSize: args.storageSize,
        tls,
      }),
      { parent: this },
    );
    this.endpoint = `${this.workload.clientServiceName}.${p.zone}:${Port.Redis}`;
    if (p.health) {
      // The pod, not the Service: port-forward reaches pods, and the Service has exactly this one behind it.
      this.health = new RedisStandaloneHealth(
        `${name}-health`,
        {
          ...redisStandaloneHealthInputs(name, p.zone),
          password: args.credentials.password,
          tls: tls?.deployer,
          minValidDays: tls?.minValidDays,
          access: p.health.access,
          retryForMs: p.health.retryForMs,
          trigger: this.workload.revision,
        },
        { parent: this, dependsOn: [this.workload.ready] },
      );
    }
    this.registerOutputs({
      endpoint: this.endpoint,
      health: this.health?.report,
      clientTlsSecret: this.clientTlsSecretName,
    });
  }
}
