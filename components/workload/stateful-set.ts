import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AntiAffinity, Resources, StorageSettings } from "../config/settings";
import { AUTH_FINGERPRINT_ANNOTATION, CONFIG_HASH_ANNOTATION } from "../platform/config-hash";
import { WorkloadLabels } from "../platform/labels";
import { containerResources, containerSecurityContext, podSecurityContext } from "../platform/pod-security";
import { podDomain } from "../platform/network";
import { DATA_VOLUME, volumeClaimTemplate } from "../storage/storage";
import type { PodTls } from "../tls/pod-tls";

/** Mount points every image relies on (see images/*). */
export const Mount = {
  Config: "/config",
  Data: "/data",
  Run: "/run/app",
  Tmp: "/tmp",
  Auth: "/etc/auth",
  Tls: "/etc/tls",
} as const;

/** The pod annotation carrying PodTls.fingerprint. */
export const TLS_FINGERPRINT_ANNOTATION = "middleware/tls-fingerprint";

export function antiAffinity(labels: WorkloadLabels, mode: AntiAffinity): k8s.types.input.core.v1.Affinity {
  const term = { labelSelector: { matchLabels: { ...labels.selector } }, topologyKey: "kubernetes.io/hostname" };
  return mode === AntiAffinity.Required
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : {
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
      };
}

export interface StatefulSetSpecArgs {
  /** The workload's labels: pods carry all of them, the selector and anti-affinity use the selector. */
  readonly labels: WorkloadLabels;
  /** Number of pods. */
  readonly replicas: number;
  /** The headless Service that gives the pods their DNS names. */
  readonly serviceName: string;
  /** Digest-pinned image of the main container. */
  readonly image: pulumi.Input<string>;
  /** imagePullSecret of the pods. */
  readonly pullSecretName: pulumi.Input<string>;
  /** ConfigMap with the rendered config files, mounted at /config. */
  readonly configMapName: pulumi.Input<string>;
  /** Hash of those files, as a pod annotation: a config change rolls the pods. */
  readonly configHash: string;
  /** Secret with the passwords, mounted read-only at Mount.Auth. Defaults to none. */
  readonly authSecretName?: pulumi.Input<string>;
  /** The keys of that Secret the main container mounts. Defaults to every key. */
  readonly authFiles?: readonly string[];
  /** Fingerprint of that Secret's passwords; as a pod annotation, a password change rolls the pods. Defaults to none. */
  readonly authFingerprint?: pulumi.Input<string>;
  /** The certificate of the main container, at Mount.Tls. Defaults to none: no TLS. */
  readonly tls?: PodTls;
  /** Where the volumes live; decides the claim's StorageClass. */
  readonly storage: StorageSettings;
  /** Capacity each pod's claim asks for, e.g. "10Gi". */
  readonly storageSize: string;
  /** Whether pods must, or only should, run on different nodes. */
  readonly antiAffinity: AntiAffinity;
  /** Requests and limits of the main container. */
  readonly resources: Resources;
  /** Container name, command, env, ports and probes; mounts and security are added here. */
  readonly container: Omit<
    k8s.types.input.core.v1.Container,
    "image" | "volumeMounts" | "securityContext" | "resources"
  >;
  /** How long a stopping pod may take. Defaults to 30. */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * ConfigMaps the program writes after the pods exist (the ZooKeeper formation marker), each
   * mounted read-only at its path once it exists: optional, so pods start without them, and
   * naming them from the start means their arrival changes no pod. Defaults to none.
   */
  readonly markers?: readonly { readonly configMapName: string; readonly mountPath: string }[];
  /**
   * Containers beside the main one, on the same image and hardened the same way, each seeing the
   * run directory read-only (where the entrypoint leaves the probe's credential) and only the auth
   * files it names. Defaults to none.
   */
  readonly sidecars?: readonly Sidecar[];
  /** Annotations on every pod besides the ones that roll it, e.g. where a plain Prometheus scrapes. Defaults to none. */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** Service account whose token the pods mount, for a sidecar that talks to the API server. Defaults to none: no token. */
  readonly serviceAccountName?: pulumi.Input<string>;
}

export interface Sidecar {
  readonly container: Omit<
    k8s.types.input.core.v1.Container,
    "image" | "volumeMounts" | "securityContext" | "resources"
  > & { readonly name: string };
  readonly resources: Resources;
  /** The auth Secret's files this sidecar reads, and only those, mounted where the main container has them. Defaults to none. */
  readonly authFiles?: readonly string[];
}

/** A Secret volume's items: these keys as files of the same name, or undefined for every key. */
function secretItems(keys: readonly string[] | undefined): { key: string; path: string }[] | undefined {
  return keys?.map((k) => ({ key: k, path: k }));
}

/** The volume of a sidecar's own auth files. */
function sidecarAuthVolume(sc: Sidecar): string {
  return `auth-${sc.container.name}`;
}

/** The StatefulSet spec shared by every workload: secure pod defaults, persistent data, config-hash roll. */
export function statefulSetSpec(a: StatefulSetSpecArgs): k8s.types.input.apps.v1.StatefulSetSpec {
  const mounts = [
    { name: "config", mountPath: Mount.Config, readOnly: true },
    { name: DATA_VOLUME, mountPath: Mount.Data },
    { name: "run", mountPath: Mount.Run },
    { name: "tmp", mountPath: Mount.Tmp },
    ...(a.authSecretName ? [{ name: "auth", mountPath: Mount.Auth, readOnly: true }] : []),
    ...(a.tls ? [{ name: "tls", mountPath: Mount.Tls, readOnly: true }] : []),
    ...(a.markers ?? []).map((m, i) => ({ name: `marker-${i}`, mountPath: m.mountPath, readOnly: true })),
  ];
  const volumes: k8s.types.input.core.v1.Volume[] = [
    { name: "config", configMap: { name: a.configMapName } },
    { name: "run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
    ...(a.authSecretName
      ? [
          {
            name: "auth",
            secret: { secretName: a.authSecretName, defaultMode: 0o440, items: secretItems(a.authFiles) },
          },
        ]
      : []),
    ...(a.tls ? [{ name: "tls", secret: { secretName: a.tls.secretName, defaultMode: 0o440 } }] : []),
    ...(a.markers ?? []).map((m, i) => ({ name: `marker-${i}`, configMap: { name: m.configMapName, optional: true } })),
    ...(a.sidecars ?? [])
      .filter((sc) => sc.authFiles?.length)
      .map((sc) => {
        if (!a.authSecretName)
          throw new Error(`sidecar ${sc.container.name} reads auth files but the workload has no auth Secret`);
        return {
          name: sidecarAuthVolume(sc),
          secret: { secretName: a.authSecretName, defaultMode: 0o440, items: secretItems(sc.authFiles) },
        };
      }),
  ];
  return {
    replicas: a.replicas,
    serviceName: a.serviceName,
    // Members of a quorum must start together; ordered start would wait for readiness that needs the others.
    podManagementPolicy: "Parallel",
    updateStrategy: { type: "RollingUpdate" },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    selector: { matchLabels: { ...a.labels.selector } },
    volumeClaimTemplates: [volumeClaimTemplate(a.storage, a.storageSize)],
    template: {
      metadata: {
        labels: { ...a.labels.pod },
        annotations: {
          ...a.podAnnotations,
          [CONFIG_HASH_ANNOTATION]: a.configHash,
          ...(a.authFingerprint === undefined ? {} : { [AUTH_FINGERPRINT_ANNOTATION]: a.authFingerprint }),
          ...(a.tls === undefined ? {} : { [TLS_FINGERPRINT_ANNOTATION]: a.tls.fingerprint }),
        },
      },
      spec: {
        securityContext: podSecurityContext(),
        imagePullSecrets: [{ name: a.pullSecretName }],
        affinity: antiAffinity(a.labels, a.antiAffinity),
        serviceAccountName: a.serviceAccountName,
        automountServiceAccountToken: a.serviceAccountName !== undefined,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: a.terminationGracePeriodSeconds ?? 30,
        containers: [
          {
            ...a.container,
            image: a.image,
            imagePullPolicy: "IfNotPresent",
            securityContext: containerSecurityContext(),
            resources: containerResources(a.resources),
            volumeMounts: mounts,
          },
          ...(a.sidecars ?? []).map((sc) => ({
            ...sc.container,
            image: a.image,
            imagePullPolicy: "IfNotPresent",
            securityContext: containerSecurityContext(),
            resources: containerResources(sc.resources),
            volumeMounts: [
              { name: "run", mountPath: Mount.Run, readOnly: true },
              { name: "tmp", mountPath: Mount.Tmp },
              ...(sc.authFiles?.length ? [{ name: sidecarAuthVolume(sc), mountPath: Mount.Auth, readOnly: true }] : []),
              // A sidecar speaks to its own server (and the sentinels) as the main container does.
              ...(a.tls ? [{ name: "tls", mountPath: Mount.Tls, readOnly: true }] : []),
            ],
          })),
        ],
        volumes,
      },
    },
  };
}

/** Env that lets an entrypoint find its own stable DNS name and pod IP. */
export function podIdentityEnv(statefulSet: string, zone: string): k8s.types.input.core.v1.EnvVar[] {
  return [
    { name: "POD_DOMAIN", value: podDomain(statefulSet, zone) },
    { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
  ];
}
