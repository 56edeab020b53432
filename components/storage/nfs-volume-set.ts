import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ReclaimPolicy, StorageMode, StorageSettings } from "../config/settings";
import { VolumeDirectories } from "./volume-directories";
import type { KubeContext } from "../provider-kit/kubectl";
import { claimName, persistentVolumeName, persistentVolumeSpec, volumeDir } from "./storage";
import { volumeDirectoryManifests } from "./volume-directory-manifests";

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
    const manifests = volumeDirectoryManifests({
      namespace: ns,
      statefulSet: sts,
      replicas: args.replicas,
      storage,
      image: args.image,
      pullSecretName: args.pullSecretName,
    });
    const directories = new VolumeDirectories(
      `${name}-dirs`,
      // The namespace as an Input: the directories wait for it to exist.
      { ...manifests, namespace: args.namespace, kube: args.kube },
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
