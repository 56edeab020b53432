import * as k8s from "@pulumi/kubernetes";
import type { StorageRoot } from "./storage-root-logic";
import { ReclaimPolicy, StorageMode, StorageSettings } from "../config/settings";

/** Name of the volumeClaimTemplate; Kubernetes names each claim `<template>-<statefulset>-<ordinal>`. */
export const DATA_VOLUME = "data";

export function claimName(statefulSet: string, ordinal: number): string {
  return `${DATA_VOLUME}-${statefulSet}-${ordinal}`;
}

/** The per-replica directory under the NFS export or local root. */
export function volumeDir(statefulSet: string, ordinal: number): string {
  return `${statefulSet}-${ordinal}`;
}

/** PVs are cluster-scoped, so the namespace keeps two stacks on one cluster apart. */
export function persistentVolumeName(namespace: string, statefulSet: string, ordinal: number | "root"): string {
  return `${namespace}-${statefulSet}-${ordinal}`;
}

/** The directory every static volume of the stack lives under; none when a StorageClass provisions them. */
export function storageRoot(storage: StorageSettings): StorageRoot | undefined {
  if (storage.nfs) return { kind: "nfs", server: storage.nfs.server, path: storage.nfs.path };
  if (storage.local) return { kind: "local", node: storage.local.node, path: storage.local.path };
  return undefined;
}

/** Where the volumes live, as one value: a change of it means the data would have to move. */
export function storageLocation(storage: StorageSettings): string {
  const root = storageRoot(storage);
  if (!root) return `storageClass:${storage.storageClassName}`;
  return root.kind === "nfs" ? `nfs:${root.server}:${root.path}` : `local:${root.node}:${root.path}`;
}

/** Static volumes bind by claimRef, not by class; "" also keeps a default StorageClass from provisioning instead. */
export function claimStorageClass(storage: StorageSettings): string {
  return storage.mode === StorageMode.StorageClass ? storage.storageClassName! : "";
}

/** The volume source at `dir` below the storage root (or the root itself for ""). */
function source(storage: StorageSettings, dir: string): Partial<k8s.types.input.core.v1.PersistentVolumeSpec> {
  const sub = dir ? `/${dir}` : "";
  if (storage.mode === StorageMode.Nfs) {
    return {
      nfs: { server: storage.nfs!.server, path: `${storage.nfs!.path}${sub}` },
      mountOptions: [`nfsvers=${storage.nfs!.version}`, "hard"],
    };
  }
  if (storage.mode === StorageMode.Local) {
    return {
      local: { path: `${storage.local!.path}${sub}` },
      // A local volume lives on one node; the scheduler must put the pod there.
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [storage.local!.node] }] },
          ],
        },
      },
    };
  }
  throw new Error("storageClass mode provisions volumes dynamically; no static PV is built");
}

export interface StaticVolumeArgs {
  /** Namespace of the claim the volume is bound to. */
  readonly namespace: string;
  /** Name of that claim (the StatefulSet's claim of one ordinal). */
  readonly claim: string;
  /** The volume's directory under the NFS export or local root. */
  readonly dir: string;
  /** Capacity, e.g. "10Gi". */
  readonly size: string;
  /** Access mode the claim asks for. */
  readonly accessMode: "ReadWriteOnce" | "ReadWriteMany";
}

/** A PV pre-bound to exactly one claim, so binding is deterministic and never races another claim. */
export function persistentVolumeSpec(
  storage: StorageSettings,
  a: StaticVolumeArgs,
): k8s.types.input.core.v1.PersistentVolumeSpec {
  return {
    capacity: { storage: a.size },
    accessModes: [a.accessMode],
    persistentVolumeReclaimPolicy: storage.reclaimPolicy ?? ReclaimPolicy.Retain,
    storageClassName: "",
    volumeMode: "Filesystem",
    claimRef: { namespace: a.namespace, name: a.claim },
    ...source(storage, a.dir),
  };
}

export function volumeClaimTemplate(
  storage: StorageSettings,
  size: string,
): k8s.types.input.core.v1.PersistentVolumeClaim {
  return {
    metadata: { name: DATA_VOLUME },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: claimStorageClass(storage),
      resources: { requests: { storage: size } },
    },
  };
}
