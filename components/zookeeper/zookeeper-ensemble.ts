import * as pulumi from "@pulumi/pulumi";
import { Credentials, authSecret } from "../platform/auth-secret";
import { formationMarker, formationMarkerMount } from "../workload/formation-marker";
import { ZooKeeperHealth, zookeeperHealthInputs } from "./zookeeper-health";
import { ChangeGuard } from "../platform/change-guard";
import { TlsSettings, ZooKeeperSettings } from "../config/settings";
import { PlatformArgs, StatefulWorkload } from "../workload/stateful-workload";
import { podHosts } from "../platform/network";
import { Port } from "../platform/ports";
import { podIdentityEnv } from "../workload/stateful-set";
import { liveness, readiness } from "../platform/probes";
import { ZOOKEEPER_CLIENT_USER, ZooKeeperAuthFile, zooCfg } from "./zoo-cfg";
import { tlsSwitchGuard, workloadTls } from "../tls/workload-tls";
import { PROCEDURES, procedureRef } from "../platform/procedures";

/** The label a pod needs for the NetworkPolicy to let it reach ZooKeeper's client port. */
export const ZOOKEEPER_CLIENT_LABEL: Readonly<Record<string, string>> = { "middleware/zookeeper-client": "true" };

export interface ZooKeeperEnsembleArgs {
  /** Namespace, storage, scheduling and health wiring shared by every workload. */
  readonly platform: PlatformArgs;
  /** Members, timing, heap and resources, validated. */
  readonly settings: ZooKeeperSettings;
  /** Digest-pinned ZooKeeper image. */
  readonly image: pulumi.Input<string>;
  /** Capacity of each member's volume, e.g. "10Gi". */
  readonly storageSize: string;
  /** The client and super passwords and the internal secret, as Pulumi secrets. */
  readonly credentials: Credentials;
  /** TLS with mutual authentication on the client port and the quorum. Defaults to none: plain text. */
  readonly tls?: TlsSettings;
}

/** A ZooKeeper ensemble: one StatefulSet, myid from the pod ordinal, members found by stable DNS. */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
  public readonly workload: StatefulWorkload;
  /** `host:port` client endpoint of every member. */
  public readonly servers: string[];
  /** Connection string for clients inside the cluster. */
  public readonly connectString: string;
  /** Quorum, leader and read-back report; undefined when health checks are disabled. */
  public readonly health?: ZooKeeperHealth;
  /** The Secret (ca.crt, tls.crt, tls.key) applications mount to connect; undefined without TLS. */
  public readonly clientTlsSecretName?: pulumi.Output<string>;

  constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:zookeeper:ZooKeeperEnsemble", name, {}, opts);
    const s = args.settings;
    const p = args.platform;
    const shape = zookeeperHealthInputs(name, s, p.zone);
    const servers = shape.servers;
    // Reconfig is off: members read the ensemble from a static zoo.cfg, so a roll onto a new count mixes two lists.
    const guard = new ChangeGuard(
      `${name}-size`,
      {
        setting: "zookeeper.replicas",
        value: String(s.replicas),
        ackSetting: "zookeeper.resizeFrom",
        ack: s.resizeFrom?.toString(),
        members: servers,
        access: p.health?.access,
        procedure: procedureRef(PROCEDURES.resizingZooKeeper),
        risk: "members would roll one by one onto the new member list, and meanwhile the old and the new majority could each elect a leader and accept writes",
      },
      { parent: this },
    );
    const tls =
      args.tls && workloadTls(name, { platform: p, app: "zookeeper", protocol: "zookeeper", settings: args.tls }, this);
    this.clientTlsSecretName = tls?.clientSecretName;
    // Members switched to sslQuorum one at a time could not reach those not yet switched.
    const tlsGuard = tls && tlsSwitchGuard(name, servers, p.health?.access, this);
    const auth = authSecret(
      name,
      { platform: p, credentials: args.credentials, internalFiles: [ZooKeeperAuthFile.QuorumPassword] },
      this,
    );
    this.workload = new StatefulWorkload(
      name,
      {
        platform: p,
        app: "zookeeper",
        gates: tlsGuard ? [guard, tlsGuard] : [guard],
        markers: [formationMarkerMount(name)],
        replicas: s.replicas,
        image: args.image,
        configFiles: {
          "zoo.cfg": zooCfg(
            s,
            podHosts(name, s.replicas, p.zone),
            tls && { plaintextPort: tls.plaintextPort },
            p.metrics !== undefined,
          ),
        },
        tls: tls?.pod,
        authSecretName: auth.secret.metadata.name,
        authFingerprint: auth.fingerprint,
        clientPodLabel: ZOOKEEPER_CLIENT_LABEL,
        resources: s.resources,
        storageSize: args.storageSize,
        clientPorts: [
          { name: "client", port: Port.ZooKeeperClient },
          ...(tls?.plaintextPort ? [{ name: "client-plain", port: Port.ZooKeeperPlain }] : []),
        ],
        peerPorts: [
          { name: "quorum", port: Port.ZooKeeperQuorum },
          { name: "election", port: Port.ZooKeeperElection },
        ],
        ...(p.metrics ? { metricsPort: { name: "metrics", port: Port.ZooKeeperMetrics } } : {}),
        container: {
          name: "zookeeper",
          command: ["/usr/local/bin/zk-entrypoint"],
          env: [
            { name: "ZK_HEAP", value: s.heap },
            { name: "ZK_CLIENT_USER", value: ZOOKEEPER_CLIENT_USER },
            ...podIdentityEnv(name, p.zone),
          ],
          ports: [
            { name: "client", containerPort: Port.ZooKeeperClient },
            ...(tls?.plaintextPort ? [{ name: "client-plain", containerPort: Port.ZooKeeperPlain }] : []),
            { name: "quorum", containerPort: Port.ZooKeeperQuorum },
            { name: "election", containerPort: Port.ZooKeeperElection },
            ...(p.metrics ? [{ name: "metrics", containerPort: Port.ZooKeeperMetrics }] : []),
          ],
          // A member back on an empty volume waits for the others (zk-entrypoint) with ZooKeeper
          // not yet running: liveness starts only once it answers, within ZK_WAIT_SECONDS (240) + 60.
          startupProbe: {
            exec: { command: ["/usr/local/bin/zk-probe", "live"] },
            periodSeconds: 10,
            timeoutSeconds: 10,
            failureThreshold: 30,
          },
          // Ready only once the member has joined a quorum as leader or follower.
          readinessProbe: readiness(["/usr/local/bin/zk-probe", "ready"]),
          livenessProbe: liveness(["/usr/local/bin/zk-probe", "live"]),
        },
      },
      { parent: this },
    );
    this.servers = servers;
    this.connectString = this.servers.join(",");
    const h = p.health;
    if (h) {
      this.health = new ZooKeeperHealth(
        `${name}-health`,
        {
          ...shape,
          password: args.credentials.adminPassword,
          tls: tls?.deployer,
          minValidDays: tls?.minValidDays,
          access: h.access,
          retryForMs: h.retryForMs,
          trigger: this.workload.revision,
        },
        { parent: this, dependsOn: [this.workload.ready] },
      );
      // Before the first passed assertion every member starts empty and must vote.
      formationMarker(
        name,
        this.workload,
        p,
        "the ensemble passed its health assertion; a member on an empty volume now waits for the others",
        this.health,
        this,
      );
    }
    this.registerOutputs({
      servers: this.servers,
      connectString: this.connectString,
      health: this.health?.report,
      clientTlsSecret: this.clientTlsSecretName,
    });
  }
}
