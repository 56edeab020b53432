// Benchmark (not a test): the deploy loop of the local stack, measured in one run on one cluster,
// beside the floor it must beat. Usage: npm run bench:deploy
//
//   first up        scripts/local-stack up on an empty namespace (images already in the engine)
//   no-op preview   scripts/local-stack preview on the deployed stack
//   no-op up        scripts/local-stack up again: pulumi up (nothing to do) + verify (every assertion)
//   floor           the same objects, as the stack's state renders them, applied to a fresh namespace
//                   with `kubectl apply --server-side`, then `kubectl rollout status` of every
//                   StatefulSet and `redis-cli --cluster create` of the six cluster nodes
//
// Targets (issue #23): first up within 1.5x the floor; no-op preview and no-op up each within
// 10 s plus the health assertions' own time. Its own namespaces and volume roots; removes them.
import * as fs from "fs";
import { Kubectl, clusterEnv, ensureCluster, localCluster } from "../harness/cluster";
import { E2eStack, LOCAL_NFS_EXPORT } from "../harness/local-stack";
import { RUN_AS_USER } from "../components/platform/pod-security";
import { RunResult } from "../harness/processes";

const NAMESPACE = "middleware-bench";
const FLOOR_NAMESPACE = "middleware-floor";
const VOLUME_ROOT = `${LOCAL_NFS_EXPORT}/bench`;
const FLOOR_ROOT = `${LOCAL_NFS_EXPORT}/floor`;
/** How pulumi stack export --show-secrets spells a secret value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A Kubernetes object as JSON: only kind and metadata.name are read here. */
interface KubeObject {
  kind: string;
  metadata: { name: string };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed(what: string, f: () => Promise<RunResult>): Promise<number> {
  const t0 = performance.now();
  const r = await f();
  const ms = performance.now() - t0;
  if (r.code !== 0)
    throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  process.stderr.write(`bench: ${what}: ${seconds(ms)}\n`);
  return ms;
}

/** Secrets as `stack export --show-secrets` writes them, back to plain values. */
function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") return unwrapSecrets(JSON.parse(o.plaintext as string));
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/**
 * The Kubernetes objects the deployed stack holds, exactly as the program rendered them (the
 * provider's recorded inputs), moved to the floor's namespace and volume root.
 */
async function renderedManifests(stack: E2eStack): Promise<KubeObject[]> {
  const r = await stack.run("pulumi", "stack", "export", "--show-secrets");
  if (r.code !== 0) throw new Error(`stack export failed: ${r.stderr}`);
  const resources = JSON.parse(r.stdout).deployment.resources as { type: string; inputs: object }[];
  const objects = resources
    .filter((x) => x.type.startsWith("kubernetes:") && !x.type.startsWith("kubernetes:pulumi"))
    .map((x) => unwrapSecrets(x.inputs));
  const moved = JSON.stringify(objects).split(NAMESPACE).join(FLOOR_NAMESPACE).split(VOLUME_ROOT).join(FLOOR_ROOT);
  return JSON.parse(moved) as KubeObject[];
}

const volumePath = (pv: KubeObject): string => {
  const spec = (pv as KubeObject & { spec: { nfs?: { path: string }; local?: { path: string } } }).spec;
  return (spec.nfs ?? spec.local)!.path;
};

/** Applies the manifests as kubectl users do, waits for every StatefulSet, forms the Redis Cluster. */
async function floor(kubectl: Kubectl, objects: readonly KubeObject[]): Promise<number> {
  const list = (items: readonly object[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });
  const namespaces = objects.filter((o) => o.kind === "Namespace");
  const rest = objects.filter((o) => o.kind !== "Namespace");
  // The directories the program's directory Job makes, made here as the server's admin would.
  for (const dir of [FLOOR_ROOT, ...rest.filter((o) => o.kind === "PersistentVolume").map(volumePath)]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o770 });
    fs.chownSync(dir, RUN_AS_USER, RUN_AS_USER);
  }
  const t0 = performance.now();
  await kubectl.check(["apply", "--server-side", "-f", "-"], list(namespaces));
  await kubectl.check(["apply", "--server-side", "-f", "-"], list(rest));
  const statefulSets = rest.filter((o) => o.kind === "StatefulSet").map((o) => o.metadata.name);
  await Promise.all(
    statefulSets.map((s) =>
      kubectl.check(["-n", FLOOR_NAMESPACE, "rollout", "status", `statefulset/${s}`, "--timeout=600s"]),
    ),
  );
  const ips = await Promise.all(
    [0, 1, 2, 3, 4, 5].map(
      async (i) => (await kubectl.json(["-n", FLOOR_NAMESPACE, "get", "pod", `redis-cluster-${i}`])).status.podIP,
    ),
  );
  // The pods hold only the admin password's hash: it goes in on stdin, from the rendered Secret.
  const auth = objects.find((o) => o.kind === "Secret" && o.metadata.name === "redis-cluster-auth") as
    (KubeObject & { stringData: Record<string, string> }) | undefined;
  if (!auth) throw new Error("the rendered stack has no redis-cluster-auth Secret");
  await kubectl.execWithRedisAuth(
    FLOOR_NAMESPACE,
    "redis-cluster-0",
    auth.stringData["admin-password"],
    'exec redis-cli --no-auth-warning --user admin --cluster create "$@" --cluster-replicas 1 --cluster-yes',
    ...ips.map((ip) => `${ip}:6379`),
  );
  return performance.now() - t0;
}

async function removeFloor(kubectl: Kubectl, objects: readonly KubeObject[]): Promise<void> {
  await kubectl.run(["delete", "namespace", FLOOR_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=300s"]);
  const pvs = objects.filter((o) => o.kind === "PersistentVolume").map((o) => `pv/${o.metadata.name}`);
  if (pvs.length) await kubectl.run(["delete", ...pvs, "--ignore-not-found"]);
  fs.rmSync(FLOOR_ROOT, { recursive: true, force: true });
}

async function removeStack(stack: E2eStack, kubectl: Kubectl): Promise<void> {
  await stack.run("destroy");
  await kubectl.run(["delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=300s"]);
  await stack.removeLeftovers(kubectl);
}

async function main(): Promise<void> {
  const startedCluster = await ensureCluster();
  const kubectl = new Kubectl(await clusterEnv());
  const stack = new E2eStack(NAMESPACE, VOLUME_ROOT);
  let objects: KubeObject[] = [];
  try {
    // Untimed: builds the images if the engine does not have them yet, so the timed run is warm.
    await timed("warm-up up (builds images if needed)", () => stack.run("up"));
    objects = await renderedManifests(stack);
    await removeStack(stack, kubectl);

    const firstUp = await timed("first up", () => stack.run("up"));
    const preview = await timed("no-op preview", () => stack.run("preview"));
    const noopUp = await timed("no-op up (pulumi up + verify)", () => stack.run("up"));
    const verify = await timed("verify alone (every assertion)", () => stack.run("verify"));
    const floorMs = await floor(kubectl, objects);
    process.stderr.write(`bench: floor: ${seconds(floorMs)}\n`);

    const check = (ok: boolean) => (ok ? "ok" : "MISS");
    const engineNoop = noopUp - verify;
    console.log(`deploy loop benchmark: the local stack (${objects.length} Kubernetes objects), one run`);
    console.log(`  first up (images cached)           ${seconds(firstUp).padStart(8)}`);
    console.log(
      `  floor: kubectl apply --server-side  ${seconds(floorMs).padStart(8)}   (+ rollout status, redis-cli --cluster create)`,
    );
    console.log(
      `     first up / floor = ${(firstUp / floorMs).toFixed(2)}   [${check(firstUp <= 1.5 * floorMs)}: within 1.5x the floor]`,
    );
    console.log(
      `  no-op preview                      ${seconds(preview).padStart(8)}   [${check(preview <= 10_000)}: within 10 s]`,
    );
    console.log(`  no-op up                           ${seconds(noopUp).padStart(8)}`);
    console.log(
      `     of which pulumi up ${seconds(engineNoop)}, the assertions (verify) ${seconds(verify)}   [${check(engineNoop <= 10_000)}: up within 10 s + the assertions]`,
    );
  } finally {
    await removeFloor(kubectl, objects).catch(() => {});
    await removeStack(stack, kubectl).catch(() => {});
    stack.cleanup();
    if (startedCluster) await localCluster("down");
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
