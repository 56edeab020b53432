// The local Kubernetes cluster for tests: its settings come from `scripts/local-cluster env`, so
// tests and the script never disagree on a path or address. A suite that finds the cluster down
// starts it and stops it again afterwards; one that finds it running leaves it running.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { check, run, RunResult, waitFor } from "./processes";
import type { TlsFiles } from "./tls";
import { clientTlsFromSecretData, tlsSecretFiles } from "../components/tls/client-secret";
import { ROOT } from "./stack-files";

const SCRIPT = path.join(ROOT, "scripts", "local-cluster");

export interface ClusterEnv {
  readonly KUBECONFIG: string;
  readonly NODE_NAME: string;
  readonly NODE_IP: string;
  readonly POD_CIDR: string;
  readonly SERVICE_CIDR: string;
  readonly DNS_SERVICE_IP: string;
  readonly CLUSTER_DOMAIN: string;
  readonly REGISTRY: string;
  readonly REGISTRY_USER: string;
  readonly REGISTRY_PASSWORD_FILE: string;
  readonly REGISTRY_PULL_USER: string;
  readonly REGISTRY_PULL_PASSWORD_FILE: string;
  readonly CA_FILE: string;
  /** The local NFS server (loopback) and the directory it exports. */
  readonly NFS_SERVER: string;
  readonly NFS_EXPORT: string;
  readonly CLUSTER_HOME: string;
  readonly CLUSTER_RUN: string;
  readonly TOOLS_BIN: string;
}

export async function clusterEnv(): Promise<ClusterEnv> {
  const out = await check(SCRIPT, ["env"]);
  return Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  ) as unknown as ClusterEnv;
}

export function localCluster(...args: string[]): Promise<RunResult> {
  return run(SCRIPT, args);
}

/** The Docker engine's base image as the kubelet finds it once imported into the node's containerd. */
export const NODE_BASE_IMAGE = "docker.io/library/debian:bookworm-slim";

/** Imports the base image straight into the node's containerd (no registry involved). */
export async function importBaseImage(env: ClusterEnv): Promise<void> {
  await check("bash", [
    "-c",
    `docker save debian:bookworm-slim | ctr --address "${env.CLUSTER_RUN}/containerd.sock" --namespace k8s.io images import -`,
  ]);
}

/** Starts the cluster unless `status` says it is healthy; returns whether this call started it. */
export async function ensureCluster(): Promise<boolean> {
  if ((await localCluster("status")).code === 0) return false;
  const up = await localCluster("up");
  if (up.code !== 0) throw new Error(`scripts/local-cluster up failed (exit ${up.code}):\n${up.stdout}\n${up.stderr}`);
  return true;
}

/** The NFS server's pid while it runs (its pid file, as scripts/local-cluster records it). */
export function nfsServerPid(env: ClusterEnv): number | undefined {
  const file = path.join(env.CLUSTER_RUN, "pids", "nfs-server");
  if (!fs.existsSync(file)) return undefined;
  const pid = Number(fs.readFileSync(file, "utf8").split(" ")[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Kills the NFS server as a crash would, keeps it down for `outageMs`, then starts it as `up` does.
 * Returns when it went down and when it serves again.
 */
export async function nfsServerOutage(env: ClusterEnv, outageMs: number): Promise<{ downAt: number; backAt: number }> {
  const pid = nfsServerPid(env);
  if (!pid) throw new Error("the NFS server is not running");
  process.kill(pid, "SIGKILL");
  await waitFor("the NFS server gone", 10_000, async () => (nfsServerPid(env) === undefined ? true : undefined));
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, outageMs));
  const up = await localCluster("up");
  if (up.code !== 0) throw new Error(`scripts/local-cluster up after the NFS outage: ${up.stdout}\n${up.stderr}`);
  return { downAt, backAt: Date.now() };
}

/** Mounts `remoteDir` of the cluster's NFS server at `mountPoint` the way its kubelet does (mount-nfs, NFSv3, hard). */
export async function mountNfs(env: ClusterEnv, remoteDir: string, mountPoint: string): Promise<void> {
  await check(path.join(env.TOOLS_BIN, "mount-nfs"), [
    "mount",
    "-t",
    "nfs",
    "-o",
    "vers=3,hard",
    `${env.NFS_SERVER}:${remoteDir}`,
    mountPoint,
  ]);
}

/** kubectl (the cluster's own pinned build) against the local cluster; throws with its output on failure. */
/**
 * SIGSTOP/SIGCONT (or any signal) to the one process named `comm` in `pod`, from the host: inside
 * its PID namespace a container's PID 1 ignores both.
 */
export async function signalPodProcess(
  kubectl: Kubectl,
  namespace: string,
  pod: string,
  comm: string,
  signal: "STOP" | "CONT",
): Promise<void> {
  const uid = (await kubectl.json(["-n", namespace, "get", "pod", pod])).metadata.uid;
  const pids = fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return (
          fs.readFileSync(`/proc/${p}/cgroup`, "utf8").includes(`pod${uid}`) &&
          fs.readFileSync(`/proc/${p}/comm`, "utf8").trim() === comm
        );
      } catch {
        return false;
      }
    });
  if (pids.length !== 1) throw new Error(`${pod}: one ${comm} process expected, found ${pids.join(",") || "none"}`);
  process.kill(Number(pids[0]), `SIG${signal}`);
}

export class Kubectl {
  constructor(private readonly env: ClusterEnv) {}

  run(args: readonly string[], input?: string): Promise<RunResult> {
    return run(path.join(this.env.TOOLS_BIN, "kubectl"), ["--kubeconfig", this.env.KUBECONFIG, ...args], { input });
  }

  async check(args: readonly string[], input?: string): Promise<string> {
    const r = await this.run(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  /** A namespace that enforces Pod Security "restricted", as the program's do. */
  restrictedNamespace(name: string): Promise<string> {
    return this.apply({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    });
  }

  /** Applies objects (as JSON, which kubectl reads as YAML). */
  apply(...objects: object[]): Promise<string> {
    return this.check(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  }

  /** A long-running kubectl (`logs -f`, say), for the caller to read and stop. */
  spawn(args: readonly string[]): ChildProcess {
    return spawn(path.join(this.env.TOOLS_BIN, "kubectl"), ["--kubeconfig", this.env.KUBECONFIG, ...args], {
      stdio: ["ignore", "pipe", "ignore"],
    });
  }

  async json<T = any>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.check([...args, "-o", "json"])) as T;
  }

  /**
   * Waits for a pod to be Ready; with `startedAfter`, also for every container to have started
   * since then (after a node restart the pod's status says Ready until the kubelet reports again).
   * On time-out the error carries the pod's description and events.
   */
  async waitReady(namespace: string, pod: string, timeoutMs = 120_000, startedAfter?: Date): Promise<void> {
    await waitFor(
      `pod ${namespace}/${pod} Ready`,
      timeoutMs,
      async () => {
        const r = await this.run(["-n", namespace, "get", "pod", pod, "-o", "json"]);
        if (r.code !== 0) return undefined;
        const status = JSON.parse(r.stdout).status;
        const ready = status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");
        const fresh =
          !startedAfter ||
          (status.containerStatuses ?? []).every(
            (c: any) =>
              c.state?.running &&
              new Date(c.state.running.startedAt).getTime() >= Math.floor(startedAfter.getTime() / 1000) * 1000,
          );
        return ready && fresh ? true : undefined;
      },
      500,
    ).catch(async (e) => {
      const described = await this.run(["-n", namespace, "describe", "pod", pod]);
      throw new Error(`${e.message}\n${described.stdout}`);
    });
  }

  /**
   * The client certificate Secret a stack gives applications (`<workload>-client-tls`), written to a
   * directory as an application mounts it: what the judges outside the pods present.
   */
  async clientTls(namespace: string, secret: string): Promise<TlsFiles> {
    const pem = clientTlsFromSecretData((await this.json(["-n", namespace, "get", "secret", secret])).data);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "client-tls-"));
    for (const [k, v] of Object.entries(tlsSecretFiles(pem))) fs.writeFileSync(path.join(dir, k), v, { mode: 0o600 });
    return { dir, pem };
  }

  /** `kubectl exec` in a pod; returns what the command printed. */
  exec(namespace: string, pod: string, ...command: string[]): Promise<string> {
    return this.check(["-n", namespace, "exec", pod, "--", ...command]);
  }

  /**
   * `sh -c script` in a pod with `password` in REDISCLI_AUTH, sent on stdin: the pods hold only
   * the client's and admin's password hashes, and argv is visible in every `ps`.
   */
  execWithRedisAuth(
    namespace: string,
    pod: string,
    password: string,
    script: string,
    ...args: string[]
  ): Promise<string> {
    const withAuth = `IFS= read -r p; export REDISCLI_AUTH="$p"; ${script}`;
    return this.check(["-n", namespace, "exec", "-i", pod, "--", "sh", "-c", withAuth, "sh", ...args], `${password}\n`);
  }
}
