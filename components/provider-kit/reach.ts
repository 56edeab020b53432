// How a provider reaches the pods: directly (Pulumi runs inside the cluster network, or the
// endpoints are plain host:port) or through `kubectl port-forward` from a laptop or CI runner.
// No Pulumi import: loaded inside provider methods and by the tests.
import { ChildProcess, execFile, spawn } from "child_process";
import * as dns from "dns";
import * as net from "net";
import { KubeContext, contextArgs, kubectlFailure } from "./kubectl";

export type Access =
  | { readonly kind: "direct" }
  | {
      readonly kind: "portForward";
      readonly namespace: string;
      readonly context?: string;
      readonly kubeconfig?: string;
    };

export const DIRECT: Access = { kind: "direct" };

export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(":");
  const port = Number(endpoint.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`"${endpoint}" is not a host:port endpoint`);
  return { host: endpoint.slice(0, i), port };
}

/** The StatefulSet pod behind a stable DNS name: `redis-cluster-3.redis-cluster-headless.ns.svc...` -> `redis-cluster-3`. */
export function podOf(host: string): string {
  return host.split(".")[0];
}

export interface Reach {
  /** Where this process connects to reach an endpoint as announced inside the cluster. */
  local(endpoint: string): Promise<string>;
  /** The IP other members use for the endpoint (CLUSTER MEET and MIGRATE take addresses as the servers see them). */
  internalIp(endpoint: string): Promise<string>;
  close(): void;
}

class DirectReach implements Reach {
  async local(endpoint: string): Promise<string> {
    return endpoint;
  }

  async internalIp(endpoint: string): Promise<string> {
    const { host } = splitEndpoint(endpoint);
    if (net.isIP(host)) return host;
    return (await dns.promises.lookup(host, { family: 4 })).address;
  }

  close(): void {}
}

class PortForwardReach implements Reach {
  private readonly forwards = new Map<string, Promise<string>>();
  private readonly children: ChildProcess[] = [];

  constructor(private readonly access: Extract<Access, { kind: "portForward" }>) {}

  private kubectlArgs(): string[] {
    return ["--namespace", this.access.namespace, ...contextArgs(this.access)];
  }

  local(endpoint: string): Promise<string> {
    let f = this.forwards.get(endpoint);
    if (!f) {
      f = this.forward(endpoint);
      this.forwards.set(endpoint, f);
    }
    return f;
  }

  private forward(endpoint: string): Promise<string> {
    const { host, port } = splitEndpoint(endpoint);
    const pod = podOf(host);
    const child = spawn(
      "kubectl",
      [...this.kubectlArgs(), "port-forward", "--address", "127.0.0.1", `pod/${pod}`, `:${port}`],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let err = "";
      const timer = setTimeout(
        () =>
          reject(new Error(`kubectl port-forward to pod ${pod} port ${port} did not start within 15 s: ${err.trim()}`)),
        15000,
      );
      child.stdout!.on("data", (d: Buffer) => {
        const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(d.toString());
        if (m) {
          clearTimeout(timer);
          resolve(`127.0.0.1:${m[1]}`);
        }
      });
      child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      // Without this listener a missing kubectl is an uncaught error that kills the provider host.
      child.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.forwards.delete(endpoint);
        reject(new Error(`cannot start kubectl port-forward to pod ${pod}: ${kubectlFailure(e)}`));
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        // kubectl port-forward exits when a forwarded connection fails (e.g. the server resets it);
        // forget it so the next connection to this endpoint starts a new one.
        this.forwards.delete(endpoint);
        reject(new Error(`kubectl port-forward to pod ${pod} exited (${code}): ${err.trim()}`));
      });
    });
  }

  internalIp(endpoint: string): Promise<string> {
    const pod = podOf(splitEndpoint(endpoint).host);
    return new Promise((resolve, reject) => {
      execFile(
        "kubectl",
        [...this.kubectlArgs(), "get", "pod", pod, "-o", "jsonpath={.status.podIP}"],
        { timeout: 15000 },
        (e, out, errOut) => {
          if (e || !net.isIP(String(out).trim()))
            reject(
              new Error(
                `cannot read the IP of pod ${pod}: ${String(errOut).trim() || (e ? kubectlFailure(e) : "no podIP yet")}`,
              ),
            );
          else resolve(String(out).trim());
        },
      );
    });
  }

  close(): void {
    for (const c of this.children) c.kill();
  }
}

/**
 * An access setting that cannot work from where this process runs. Retrying cannot help (the
 * machine, not the pods, is the problem), so it is checked before any retry loop starts.
 */
export class AccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AccessError";
  }
}

const ACCESS_PROBE_MS = 10000;

/** The cluster DNS domain of an in-cluster name, e.g. `redis-0.redis-headless.ns.svc.cluster.local` -> `cluster.local`. */
export function clusterDomainOf(host: string): string | undefined {
  return /\.svc\.(.+)$/.exec(host)?.[1];
}

async function resolvesWithin(name: string, ms: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>(
    (resolve) => (timer = setTimeout(() => resolve(`no answer within ${ms / 1000} s`), ms)),
  );
  const lookup = dns.promises.lookup(name).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e.code ?? e.message,
  );
  try {
    return await Promise.race([lookup, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Fails at once, naming the setting and the fix, when `access` cannot reach `endpoints` from this
 * machine: `direct` where the cluster's names do not resolve (a laptop or CI runner), or
 * `portForward` where kubectl is missing or cannot use its context. Without it a check would retry
 * for minutes, and a change guard would take members it cannot reach for stopped ones.
 */
export async function checkAccess(access: Access = DIRECT, endpoints: readonly string[]): Promise<void> {
  if (access.kind === "direct") {
    const domains = new Set(endpoints.flatMap((e) => clusterDomainOf(splitEndpoint(e).host) ?? []));
    for (const domain of domains) {
      const probe = `kubernetes.default.svc.${domain}`;
      const failure = await resolvesWithin(probe, ACCESS_PROBE_MS);
      if (failure) {
        throw new AccessError(
          `health.access is "direct", but this machine cannot resolve the cluster's names (${probe}: ${failure}). ` +
            "direct works only where pulumi runs inside the cluster (e.g. the Pulumi Kubernetes Operator, with health.runnerNamespace set to its namespace); " +
            "from a laptop or CI runner set health.access to portForward",
        );
      }
    }
    return;
  }
  const args = ["--namespace", access.namespace, ...contextArgs(access)];
  await new Promise<void>((resolve, reject) => {
    // A self review any authenticated user may ask: it proves kubectl, the context and the API
    // server, and the one permission port-forwarding needs, without listing anything.
    execFile(
      "kubectl",
      [...args, "auth", "can-i", "create", "pods", "--subresource=portforward"],
      { timeout: ACCESS_PROBE_MS * 2 },
      (e, out, errOut) => {
        if (!e) return resolve();
        const why =
          e.code === "ENOENT"
            ? kubectlFailure(e)
            : String(out).trim() === "no"
              ? "its user may not port-forward to pods there"
              : String(errOut).trim() || e.message;
        reject(
          new AccessError(
            `health.access is "portForward", but kubectl cannot port-forward in namespace ${access.namespace}` +
              `${access.context ? ` through context ${access.context}` : " through the current context"}: ${why}. ` +
              "Check health.kubeContext and that kubectl works from this machine",
          ),
        );
      },
    );
  });
}

/** The kubectl context of an access: portForward's, or none (the ambient one) for direct. */
export function kubeContextOf(access: Access | undefined): KubeContext | undefined {
  return access?.kind === "portForward" ? access : undefined;
}

export function openReach(access: Access = DIRECT): Reach {
  return access.kind === "portForward" ? new PortForwardReach(access) : new DirectReach();
}
