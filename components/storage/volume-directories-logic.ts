// Creates a StatefulSet's per-replica directories on the storage root, and lets the root be mounted
// only for as long as that takes. Mounting the root needs a volume and a claim bound to it; a claim
// left bound would let any pod of the namespace mount the root and read every workload's data. So
// the volume, the claim and the Job that runs mkdir exist only inside one call, which removes them
// whatever the Job's outcome. No Pulumi import: loaded inside provider methods and by the tests.
import { execFile } from "child_process";
import { KubeContext, contextArgs, kubectlFailure } from "../provider-kit/kubectl";

/** A Kubernetes object as kubectl takes it. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: unknown;
}

export interface VolumeDirectoriesInputs {
  readonly namespace: string;
  /** The root's PersistentVolume, pre-bound to `claim`, reclaim policy Retain. */
  readonly volume: Manifest;
  /** The claim the Job mounts the root through. */
  readonly claim: Manifest;
  /** The Job that creates the directories through the claim. */
  readonly job: Manifest;
  /** The directories the Job creates (what a change of them runs it again for). */
  readonly directories: readonly string[];
  /** Whose kubectl context to use; none is the ambient one. */
  readonly kube?: KubeContext;
  /** How long the Job may take, image pull included. Defaults to 600 s. */
  readonly timeoutSeconds?: number;
}

function kubectl(c: KubeContext | undefined, args: readonly string[], input?: string, timeoutMs = 60_000) {
  return new Promise<string>((resolve, reject) => {
    const child = execFile(
      "kubectl",
      [...contextArgs(c), ...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (e, out, errOut) =>
        e
          ? reject(new Error(`kubectl ${args[0]}: ${String(errOut).trim() || kubectlFailure(e)}`))
          : resolve(String(out)),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/**
 * The root's volume, its claim and the Job, removed; waits until they are gone. A volume of that
 * name claimed from elsewhere is not ours: refused, not removed.
 */
async function removeRootAccess(i: VolumeDirectoriesInputs): Promise<void> {
  const ns = ["--namespace", i.namespace];
  await kubectl(
    i.kube,
    ["delete", "job", i.job.metadata.name, ...ns, "--ignore-not-found", "--cascade=foreground", "--wait=true"],
    undefined,
    180_000,
  );
  await kubectl(
    i.kube,
    ["delete", "persistentvolumeclaim", i.claim.metadata.name, ...ns, "--ignore-not-found", "--wait=true"],
    undefined,
    180_000,
  );
  const existing = await kubectl(i.kube, [
    "get",
    "persistentvolume",
    i.volume.metadata.name,
    "--ignore-not-found",
    "-o",
    "json",
  ]);
  if (!existing.trim()) return;
  const ref = (JSON.parse(existing) as { spec?: { claimRef?: { namespace?: string; name?: string } } }).spec?.claimRef;
  if (ref?.namespace !== i.namespace || ref?.name !== i.claim.metadata.name)
    throw new Error(
      `PersistentVolume ${i.volume.metadata.name} exists and is claimed by ${ref ? `${ref.namespace}/${ref.name}` : "nothing"}, not ${i.namespace}/${i.claim.metadata.name}: it is not this stack's; left alone. Remove it, or give the stack another namespace`,
    );
  // Retain: removing the volume object leaves the directory and its data where they are.
  await kubectl(i.kube, ["delete", "persistentvolume", i.volume.metadata.name, "--wait=true"], undefined, 180_000);
}

/** Why the Job did not complete: its conditions and its pods' states and logs. */
async function jobFailure(i: VolumeDirectoriesInputs, waited: string): Promise<string> {
  const ns = ["--namespace", i.namespace];
  const pods = await kubectl(i.kube, [
    "get",
    "pods",
    ...ns,
    "-l",
    `job-name=${i.job.metadata.name}`,
    "-o",
    "json",
  ]).catch(() => "");
  const states = pods
    ? (
        JSON.parse(pods) as {
          items: { metadata: { name: string }; status?: { containerStatuses?: { state?: unknown }[] } }[];
        }
      ).items.map((p) => `${p.metadata.name}: ${JSON.stringify(p.status?.containerStatuses?.[0]?.state ?? {})}`)
    : [];
  const logs = await kubectl(i.kube, ["logs", ...ns, `job/${i.job.metadata.name}`, "--tail=20"]).catch(() => "");
  return [waited, ...states, logs.trim() && `logs: ${logs.trim()}`].filter(Boolean).join("; ");
}

/** "complete", or why not: the Job's Failed condition, or the time it was given running out. */
async function awaitJob(i: VolumeDirectoriesInputs, timeoutSeconds: number): Promise<string> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const job = JSON.parse(
      await kubectl(i.kube, ["get", "job", i.job.metadata.name, "--namespace", i.namespace, "-o", "json"]),
    ) as { status?: { conditions?: { type: string; status: string; message?: string }[] } };
    const conditions = job.status?.conditions ?? [];
    if (conditions.some((c) => c.type === "Complete" && c.status === "True")) return "complete";
    const failed = conditions.find((c) => c.type === "Failed" && c.status === "True");
    if (failed) return `failed (${failed.message ?? "no message"})`;
    if (Date.now() > deadline) return `neither complete nor failed within ${timeoutSeconds} s`;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Creates the directories: removes any root access left from an earlier run, binds the root only
 * for the Job, waits for it, then removes the Job, the claim and the volume, also when it failed.
 */
export async function makeVolumeDirectories(i: VolumeDirectoriesInputs): Promise<{ directories: readonly string[] }> {
  await removeRootAccess(i);
  try {
    for (const m of [i.volume, i.claim, i.job]) await kubectl(i.kube, ["create", "-f", "-"], JSON.stringify(m));
    const outcome = await awaitJob(i, i.timeoutSeconds ?? 600);
    if (outcome !== "complete")
      throw new Error(
        `the Job ${i.namespace}/${i.job.metadata.name} creating ${i.directories.join(", ")} on the storage root did not complete: ${await jobFailure(i, outcome)}`,
      );
    return { directories: i.directories };
  } finally {
    await removeRootAccess(i);
  }
}
