import * as pulumi from "@pulumi/pulumi";
import type { VolumeDirectoriesInputs } from "./volume-directories-logic";
import type { KubeContext } from "../provider-kit/kubectl";
import { diffOf, loadLogic, stableId } from "../provider-kit/provider-kit";

/** What a change of makes the directories again: not the Job's image or pull secret, which mkdir does not care about. */
const WATCHED = ["namespace", "volume", "claim", "directories"];

/** Runs the directory Job (volume-directories-logic.ts) on create and when the directories or the root change. */
export class VolumeDirectoriesProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: VolumeDirectoriesInputs): Promise<pulumi.dynamic.CreateResult> {
    const done = await loadLogic("storage/volume-directories-logic").makeVolumeDirectories(inputs);
    return {
      id: stableId("volume-dirs", `${inputs.namespace}/${inputs.job.metadata.name}`),
      outs: { ...inputs, ...done },
    };
  }

  async diff(
    _id: string,
    olds: VolumeDirectoriesInputs,
    news: VolumeDirectoriesInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    return diffOf({ ...olds }, { ...news }, WATCHED);
  }

  async update(
    _id: string,
    _olds: VolumeDirectoriesInputs,
    news: VolumeDirectoriesInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: { ...news, ...(await loadLogic("storage/volume-directories-logic").makeVolumeDirectories(news)) } };
  }

  async delete(): Promise<void> {
    // Intentionally nothing: the directories hold the data, which outlives the stack; nothing else is left.
  }
}

export interface VolumeDirectoriesArgs {
  readonly namespace: pulumi.Input<string>;
  /** The root's PersistentVolume manifest, pre-bound to `claim`. */
  readonly volume: pulumi.Input<object>;
  /** The claim's manifest. */
  readonly claim: pulumi.Input<object>;
  /** The Job's manifest: mkdir of `directories` through the claim. */
  readonly job: pulumi.Input<object>;
  readonly directories: readonly string[];
  /** Whose kubectl context to use. Defaults to the ambient one. */
  readonly kube?: KubeContext;
}

/**
 * The per-replica directories of a StatefulSet on its storage root, made by a Job that alone ever
 * mounts the root: its volume and claim exist only while it runs.
 */
export class VolumeDirectories extends pulumi.dynamic.Resource {
  constructor(name: string, args: VolumeDirectoriesArgs, opts?: pulumi.CustomResourceOptions) {
    super(new VolumeDirectoriesProvider(), name, { ...args }, opts);
  }
}
