// What creates a StatefulSet's per-replica directories on the storage root: the root's volume, a
// claim bound to it, and a Job that runs mkdir through it, as manifests. The provider
// (volume-directories-logic.ts) creates them and removes them once the Job is done, so
// the root is never left mountable in the namespace.
import type * as pulumi from "@pulumi/pulumi";
import { ReclaimPolicy, StorageMode, StorageSettings } from "../config/settings";
import { containerSecurityContext, podSecurityContext } from "../platform/pod-security";
import { persistentVolumeName, persistentVolumeSpec, volumeDir } from "./storage";

export interface VolumeDirectoryArgs {
  readonly namespace: string;
  readonly statefulSet: string;
  readonly replicas: number;
  readonly storage: StorageSettings;
  /** An image with mkdir, run as the workload user. */
  readonly image: pulumi.Input<string>;
  readonly pullSecretName: pulumi.Input<string>;
}

/** NFS exports can be shared; a local directory belongs to one node. */
export function rootAccessMode(storage: StorageSettings): "ReadWriteOnce" | "ReadWriteMany" {
  return storage.mode === StorageMode.Nfs ? "ReadWriteMany" : "ReadWriteOnce";
}

export function volumeDirectoryManifests(a: VolumeDirectoryArgs) {
  const { namespace: ns, statefulSet: sts, storage } = a;
  const rootClaim = `${sts}-storage-root`;
  const mode = rootAccessMode(storage);
  const labels = { "middleware/statefulset": sts };
  // Retain whatever the stack's policy: removing the volume object must never touch the data.
  const volume = {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: persistentVolumeName(ns, sts, "root"), labels },
    spec: {
      ...persistentVolumeSpec(storage, { namespace: ns, claim: rootClaim, dir: "", size: "1Mi", accessMode: mode }),
      persistentVolumeReclaimPolicy: ReclaimPolicy.Retain,
    },
  };
  const claim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: rootClaim, namespace: ns, labels },
    spec: {
      accessModes: [mode],
      storageClassName: "",
      volumeName: volume.metadata.name,
      resources: { requests: { storage: "1Mi" } },
    },
  };
  const directories = Array.from({ length: a.replicas }, (_, i) => `/volumes/${volumeDir(sts, i)}`);
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `${sts}-volume-dirs`, namespace: ns, labels },
    spec: {
      backoffLimit: 3,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "OnFailure",
          securityContext: podSecurityContext(),
          imagePullSecrets: [{ name: a.pullSecretName }],
          automountServiceAccountToken: false,
          containers: [
            {
              name: "mkdir",
              image: a.image,
              // Runs as the workload user so the directories are owned by it (NFS ignores fsGroup).
              command: ["mkdir", "-p", ...directories],
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
  return { volume, claim, job, directories };
}
