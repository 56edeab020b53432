// kubectl as the providers run it: with the context the stack names, failures turned into messages
// that say what to fix. No Pulumi import: loaded inside provider methods and by the tests.
import { execFile } from "child_process";

/** Which kubeconfig and context to use; neither set means kubectl's own defaults (in a pod, its service account). */
export interface KubeContext {
  readonly context?: string;
  readonly kubeconfig?: string;
}

export function contextArgs(c: KubeContext | undefined): string[] {
  return [...(c?.context ? ["--context", c.context] : []), ...(c?.kubeconfig ? ["--kubeconfig", c.kubeconfig] : [])];
}

/** Why kubectl could not be run, with the fix when it is simply not installed. */
export function kubectlFailure(e: { code?: string | number | null; message: string }): string {
  return e.code === "ENOENT"
    ? "kubectl is not on this machine's PATH; install it (portForward access runs kubectl port-forward), or run where the pods are reachable with health.access direct"
    : e.message;
}

/** What a read is for, so a failure can say what to grant or change. */
export interface ReadPurpose {
  /** e.g. 'list the nodes to check them against scheduling.antiAffinity "required"'. */
  readonly what: string;
  /** The RBAC verbs and resource the account needs, e.g. "get and list on nodes". */
  readonly permission: string;
  /** The way around it, e.g. 'set scheduling.antiAffinity to "preferred"'. Defaults to none. */
  readonly otherwise?: string;
}

/** `kubectl get <args> -o json`, parsed; a failure names the purpose, the cause and the fix. */
export function kubectlGet<T>(c: KubeContext | undefined, args: readonly string[], purpose: ReadPurpose): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      "kubectl",
      [...contextArgs(c), "get", ...args, "-o", "json"],
      { timeout: 20000, maxBuffer: 64 * 1024 * 1024 },
      (e, out, errOut) => {
        if (!e) return resolve(JSON.parse(String(out)) as T);
        const stderr = String(errOut).trim();
        const fix = /forbidden/i.test(stderr)
          ? `Let the account pulumi runs as ${purpose.permission}`
          : "Check that kubectl reaches the cluster from here (with portForward access, health.kubeContext names the context)";
        reject(
          new Error(
            `cannot ${purpose.what}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "kubectl is not on this machine's PATH" : stderr || e.message}. ${fix}${purpose.otherwise ? `, or ${purpose.otherwise}` : ""}`,
          ),
        );
      },
    );
  });
}
