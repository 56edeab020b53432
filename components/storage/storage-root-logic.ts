// Whether another stack (or anything else) already keeps volumes in this stack's storage root.
// Two stacks on one root would share data directories: each would start on the other's data.
// No Pulumi import: loaded inside provider methods and by the tests.
import { kubectlGet } from "../provider-kit/kubectl";
import { Access, kubeContextOf } from "../provider-kit/reach";

export type StorageRoot =
  | { readonly kind: "nfs"; readonly server: string; readonly path: string }
  | { readonly kind: "local"; readonly node: string; readonly path: string };

export interface StorageRootInputs {
  /** The stack's namespace: volumes claimed from it are this stack's own. */
  readonly namespace: string;
  readonly root: StorageRoot;
  /** Whose kubectl context lists the volumes (portForward's); direct uses the ambient one. Defaults to direct. */
  readonly access?: Access;
}

/** The fields of a PersistentVolume this check reads. */
export interface VolumeObject {
  readonly metadata: { readonly name: string };
  readonly spec?: {
    readonly claimRef?: { readonly namespace?: string };
    readonly nfs?: { readonly server: string; readonly path: string };
    readonly local?: { readonly path: string };
    readonly hostPath?: { readonly path: string };
    readonly nodeAffinity?: {
      readonly required?: {
        readonly nodeSelectorTerms?: readonly {
          readonly matchExpressions?: readonly { key: string; values?: readonly string[] }[];
        }[];
      };
    };
  };
}

/** Whether two directories are the same or one lies inside the other. */
export function nested(a: string, b: string): boolean {
  const [x, y] = [a, b].map((p) => p.replace(/\/+$/, "") || "/");
  return x === y || x.startsWith(`${y === "/" ? "" : y}/`) || y.startsWith(`${x === "/" ? "" : x}/`);
}

/** The directory a volume keeps its data in, if it shares a filesystem with `root`; else undefined. */
function pathOnRoot(pv: VolumeObject, root: StorageRoot): string | undefined {
  const s = pv.spec ?? {};
  if (root.kind === "nfs") return s.nfs && s.nfs.server === root.server ? s.nfs.path : undefined;
  const dir = s.local?.path ?? s.hostPath?.path;
  const nodes = s.nodeAffinity?.required?.nodeSelectorTerms
    ?.flatMap((t) => t.matchExpressions ?? [])
    .filter((m) => m.key === "kubernetes.io/hostname")
    .flatMap((m) => m.values ?? []);
  // A volume not pinned to a node may be on any node, this one included.
  return dir && (!nodes?.length || nodes.includes(root.node)) ? dir : undefined;
}

/** The refusal when a volume not claimed from this stack's namespace lives in or around its root. */
export function rootConflict(
  inputs: Omit<StorageRootInputs, "access">,
  volumes: readonly VolumeObject[],
): string | undefined {
  const { root } = inputs;
  const foreign = volumes.flatMap((pv) => {
    const dir = pathOnRoot(pv, root);
    const owner = pv.spec?.claimRef?.namespace;
    return dir && owner !== inputs.namespace && nested(dir, root.path)
      ? [`${pv.metadata.name} (${dir}, ${owner ? `claimed from namespace ${owner}` : "unclaimed"})`]
      : [];
  });
  if (!foreign.length) return undefined;
  const where =
    root.kind === "nfs"
      ? `storage.nfs.path: ${root.path} on ${root.server}`
      : `storage.local.path: ${root.path} on node ${root.node}`;
  const shown = foreign.slice(0, 5).join(", ") + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : "");
  return (
    `${where} already holds volumes that are not this stack's: ${shown}. Two stacks on one root share data directories, ` +
    "each starting on the other's data. Give this stack a root of its own; if those volumes are left from a destroyed stack, " +
    "keep what you need from their directories and delete them (kubectl delete pv <name>)"
  );
}

/** The refusal for these inputs on the live cluster, or undefined when the root is this stack's alone. */
export async function rootRefusal(inputs: StorageRootInputs): Promise<string | undefined> {
  const list = await kubectlGet<{ items: VolumeObject[] }>(kubeContextOf(inputs.access), ["persistentvolumes"], {
    what: "list the cluster's PersistentVolumes to check that no other stack keeps volumes in this storage root",
    permission: "get and list persistentvolumes (a ClusterRole; the stack creates PersistentVolumes already)",
  });
  return rootConflict(inputs, list.items);
}
