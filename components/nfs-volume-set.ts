import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ReclaimPolicy, StorageMode, StorageSettings } from "./config/settings";
import { VolumeDirectories } from "./providers/volume-directories";
import type { KubeContext } from "./providers/shared/kubectl";
import { containerSecurityContext, podSecurityContext } from "./specs/pod-security";
import { claimName, persistentVolumeName, persistentVolumeSpec, volumeDir } from "./specs/storage";

export interface NfsVolumeSetArgs {
  /** Namespace of the claims and of the directory-creating Job. */
  readonly namespace: pulumi.Input<string>;
  /** Namespace name as a plain string: PV names and claimRefs are computed from it. */
  readonly namespaceName: string;
  /** The StatefulSet whose claims the volumes are bound to. */
  readonly statefulSet: string;
  /** One volume per replica. */
  readonly replicas: number;
  /** Capacity of each volume, e.g. "10Gi". */
  readonly size: string;
  /** Where the volumes live (nfs, local or storageClass) and their reclaim policy. */
  readonly storage: StorageSettings;
  /** An image with mkdir, run as the workload user to create the per-replica directories. */
  readonly image: pulumi.Input<string>;
  /** imagePullSecret of the directory-creating Job. */
  readonly pullSecretName: pulumi.Input<string>;
  /** Whose kubectl context creates the directories. Defaults to the ambient one. */
  readonly kube?: KubeContext;
}

/**
 * Static PersistentVolumes for one StatefulSet: one per replica, each pre-bound to the claim its
 * volumeClaimTemplate will produce, under `<root>/<statefulset>-<i>`. A Job creates those
 * directories first (the seed runbook had an admin mkdir them on the NFS server by hand), through
 * a claim on the root that exists only while it runs.
 * In storageClass mode nothing is registered: the class provisions the volumes.
 */
export class NfsVolumeSet extends pulumi.ComponentResource {
  public readonly volumeNames: string[] = [];

  constructor(name: string, args: NfsVolumeSetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:storage:NfsVolumeSet", name, {}, opts);
    if (args.storage.mode === StorageMode.StorageClass) {
      this.registerOutputs({});
      return;
    }
    const { storage, namespaceName: ns, statefulSet: sts } = args;
    // Retain means the volumes outlive the stack: `pulumi destroy` forgets them instead of deleting
    // them (deleting would also wait forever on the claims the StatefulSet created and keeps).
    const retainOnDelete = storage.reclaimPolicy === ReclaimPolicy.Retain;
    const rootClaim = `${sts}-storage-root`;
    const mode = accessModeOf(storage);
    // The root is bound only while the Job runs (providers/volume-directories-logic.ts): a claim
    // left bound would let any pod of the namespace mount it and read every workload's data.
    // Retain whatever the stack's policy: removing the volume object must never touch the data.
    const volume = {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: persistentVolumeName(ns, sts, "root"), labels: { "middleware/statefulset": sts } },
      spec: {
        ...persistentVolumeSpec(storage, { namespace: ns, claim: rootClaim, dir: "", size: "1Mi", accessMode: mode }),
        persistentVolumeReclaimPolicy: ReclaimPolicy.Retain,
      },
    };
    const claim = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: rootClaim, namespace: ns },
      spec: {
        accessModes: [mode],
        storageClassName: "",
        volumeName: volume.metadata.name,
        resources: { requests: { storage: "1Mi" } },
      },
    };
    const dirs = Array.from({ length: args.replicas }, (_, i) => `/volumes/${volumeDir(sts, i)}`);
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: `${sts}-volume-dirs`, namespace: ns, labels: { "middleware/statefulset": sts } },
      spec: {
        backoffLimit: 3,
        template: {
          spec: {
            restartPolicy: "OnFailure",
            securityContext: podSecurityContext(),
            imagePullSecrets: [{ name: args.pullSecretName }],
            automountServiceAccountToken: false,
            containers: [
              {
                name: "mkdir",
                image: args.image,
                // Runs as the workload user so the directories are owned by it (NFS ignores fsGroup).
                command: ["mkdir", "-p", ...dirs],
                securityContext: containerSecurityContext(),
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                volumeMounts: [{ name: "root", mountPath: "/volumes" }],
              },
            ],
            volumes: [{ name: "root", persistentVolumeClaim: { claimName: rootClaim } }],
          },
        },
      },
    };
    const directories = new VolumeDirectories(
      `${name}-dirs`,
      { namespace: args.namespace, volume, claim, job, directories: dirs, kube: args.kube },
      { parent: this },
    );
    for (let i = 0; i < args.replicas; i++) {
      new k8s.core.v1.PersistentVolume(
        `${name}-pv-${i}`,
        {
          metadata: { name: persistentVolumeName(ns, sts, i), labels: { "middleware/statefulset": sts } },
          spec: persistentVolumeSpec(storage, {
            namespace: ns,
            claim: claimName(sts, i),
            dir: volumeDir(sts, i),
            size: args.size,
            accessMode: "ReadWriteOnce",
          }),
        },
        { parent: this, dependsOn: [directories], retainOnDelete },
      );
      this.volumeNames.push(persistentVolumeName(ns, sts, i));
    }
    this.registerOutputs({ volumeNames: this.volumeNames });
  }
}

/** NFS exports can be shared; a local directory belongs to one node. */
function accessModeOf(storage: StorageSettings): "ReadWriteOnce" | "ReadWriteMany" {
  return storage.mode === StorageMode.Nfs ? "ReadWriteMany" : "ReadWriteOnce";
}
