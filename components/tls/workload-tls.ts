// The TLS of one workload: its own authority, the certificate its pods share, one for the
// applications and one for the deployer's health checks, and the Secrets that carry them.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TlsSettings } from "../config/settings";
import { podDomain } from "../platform/network";
import { workloadLabels } from "../platform/labels";
import type { Placement } from "../platform/placement";
import { TlsAuthority, TlsCertificate } from "./certificate";
import { ChangeGuard, allAtOnceGuard } from "../platform/change-guard";
import type { Access } from "../provider-kit/reach";
import type { ClientTls } from "../provider-kit/client-tls";
import { clientTlsSecretName, tlsSecretFiles } from "./client-secret";
import { PROCEDURES, procedureRef } from "../platform/procedures";
import type { PodTls, TlsProbe } from "./pod-tls";

export interface WorkloadTls {
  /** The pods' Secret and fingerprint (stateful-set.ts). */
  readonly pod: PodTls;
  /** Whether a plain-text client port stays open beside the TLS one. */
  readonly plaintextPort: boolean;
  /** Secret `<workload>-client-tls` (ca.crt, tls.crt, tls.key) for the applications to mount. */
  readonly clientSecretName: pulumi.Output<string>;
  /** The deployer's own client certificate, kept only in the stack's state (encrypted). */
  readonly deployer: pulumi.Output<ClientTls>;
  /** How many days a serving certificate must still be valid for the health assertion to pass. */
  readonly minValidDays: number;
}

export interface WorkloadTlsArgs {
  /** The namespace (as an Input and as a name) and its Service zone; the stack labels the objects. */
  readonly platform: Pick<Placement, "namespace" | "namespaceName" | "zone" | "stack">;
  /** app.kubernetes.io/name of the workload's objects. */
  readonly app: string;
  /** What the pods speak on their TLS client port (for the stack's Prometheus's probe). */
  readonly protocol: TlsProbe["protocol"];
  readonly settings: TlsSettings;
  /** The StatefulSets whose pods present the certificate. Defaults to the workload's own. */
  readonly statefulSets?: readonly string[];
}

function tlsSecret(
  name: string,
  workload: string,
  args: WorkloadTlsArgs,
  ca: pulumi.Input<string>,
  cert: TlsCertificate,
  parent: pulumi.Resource,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    name,
    {
      metadata: {
        name,
        namespace: args.platform.namespace,
        labels: { ...workloadLabels(workload, args.app, args.platform.stack).pod },
      },
      type: "kubernetes.io/tls",
      stringData: pulumi
        .secret(pulumi.all([ca, cert.certPem, cert.keyPem]))
        .apply(([ca, cert, key]) => tlsSecretFiles({ ca, cert, key })),
    },
    { parent },
  );
}

/**
 * Issues the TLS material of `workload` (its StatefulSet's name). The pods' certificate names every
 * pod and Service of the workload, so a client that checks names (most do) accepts it.
 */
export function workloadTls(workload: string, args: WorkloadTlsArgs, parent: pulumi.Resource): WorkloadTls {
  const s = args.settings;
  const { namespaceName, zone } = args.platform;
  const statefulSets = args.statefulSets ?? [workload];
  const lifetime = { validityDays: s.validityDays, renewBeforeDays: s.renewBeforeDays };
  const opts = { parent };
  const authority = new TlsAuthority(
    `${workload}-ca`,
    {
      commonName: `${namespaceName}/${workload} authority`,
      validityDays: s.authorityValidityDays,
      renewBeforeDays: s.renewBeforeDays,
    },
    opts,
  );
  const server = new TlsCertificate(
    `${workload}-tls`,
    {
      ...lifetime,
      authority,
      commonName: `${workload}.${zone}`,
      // Every pod by name, every Service of the namespace (client Services, the Sentinel master's).
      dnsNames: [
        ...statefulSets.map((sts) => `*.${podDomain(sts, zone)}`),
        `*.${zone}`,
        ...statefulSets.flatMap((sts) => [`${sts}.${namespaceName}`, sts]),
        "localhost",
      ],
      ipAddresses: ["127.0.0.1"],
    },
    opts,
  );
  const client = new TlsCertificate(
    `${workload}-client`,
    { ...lifetime, authority, commonName: `${workload} client` },
    opts,
  );
  const deployer = new TlsCertificate(
    `${workload}-deployer`,
    { ...lifetime, authority, commonName: `${workload} deployer` },
    opts,
  );
  const podSecret = tlsSecret(`${workload}-tls`, workload, args, authority.certPem, server, parent);
  const clientSecret = tlsSecret(clientTlsSecretName(workload), workload, args, authority.certPem, client, parent);
  return {
    pod: {
      secretName: podSecret.metadata.name,
      fingerprint: pulumi.interpolate`${authority.serial}/${server.serial}`,
      probe: { authority: workload, protocol: args.protocol },
    },
    plaintextPort: s.plaintextPorts,
    clientSecretName: clientSecret.metadata.name,
    deployer: pulumi.secret(
      pulumi
        .all([authority.certPem, deployer.certPem, deployer.keyPem])
        .apply(([ca, cert, key]) => ({ ca, cert, key })),
    ),
    minValidDays: s.minValidDays,
  };
}

/**
 * Holds TLS on for pods whose peers must all speak it at once (a cluster bus, Sentinel's links):
 * switched by a rolling update, the restarted pods and the others could not reach each other and
 * the set would split mid-roll. Created on a stack deployed before TLS, it stops `up` before
 * anything changes while any member still runs; on a new stack no pod exists yet. docs/configuration.md, "TLS".
 */
export function tlsSwitchGuard(
  workload: string,
  members: readonly string[],
  access: Access | undefined,
  parent: pulumi.Resource,
): ChangeGuard {
  return allAtOnceGuard(
    `${workload}-tls-switch`,
    {
      setting: "tls",
      value: "on",
      risk: "pods switched to TLS one at a time could not reach the ones not yet switched, splitting the set mid-roll",
      procedure: procedureRef(PROCEDURES.tls),
    },
    members,
    access,
    parent,
  );
}
