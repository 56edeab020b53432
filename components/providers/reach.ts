// How a provider reaches the pods: directly (Pulumi runs inside the cluster network, or the
// endpoints are plain host:port) or through `kubectl port-forward` from a laptop or CI runner.
// No Pulumi import: loaded inside provider methods and by the tests.
import { ChildProcess, execFile, spawn } from "child_process";
import * as dns from "dns";
import * as net from "net";

export type Access =
  | { readonly kind: "direct" }
  | { readonly kind: "portForward"; readonly namespace: string; readonly context?: string; readonly kubeconfig?: string };

export const DIRECT: Access = { kind: "direct" };

export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(":");
  const port = Number(endpoint.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`"${endpoint}" is not a host:port endpoint`);
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

/** Why kubectl could not be run, with the fix when it is simply not installed. */
function kubectlFailure(e: { code?: string | number | null; message: string }): string {
  return e.code === "ENOENT"
    ? "kubectl is not on this machine's PATH; install it (portForward access runs kubectl port-forward), or run where the pods are reachable with health.access direct"
    : e.message;
}

class PortForwardReach implements Reach {
  private readonly forwards = new Map<string, Promise<string>>();
  private readonly children: ChildProcess[] = [];

  constructor(private readonly access: Extract<Access, { kind: "portForward" }>) {}

  private kubectlArgs(): string[] {
    const a = ["--namespace", this.access.namespace];
    if (this.access.context) a.push("--context", this.access.context);
    if (this.access.kubeconfig) a.push("--kubeconfig", this.access.kubeconfig);
    return a;
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
    const child = spawn("kubectl", [...this.kubectlArgs(), "port-forward", "--address", "127.0.0.1", `pod/${pod}`, `:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let err = "";
      const timer = setTimeout(() => reject(new Error(`kubectl port-forward to pod ${pod} port ${port} did not start within 15 s: ${err.trim()}`)), 15000);
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
      execFile("kubectl", [...this.kubectlArgs(), "get", "pod", pod, "-o", "jsonpath={.status.podIP}"], { timeout: 15000 }, (e, out, errOut) => {
        if (e || !net.isIP(String(out).trim())) reject(new Error(`cannot read the IP of pod ${pod}: ${String(errOut).trim() || (e ? kubectlFailure(e) : "no podIP yet")}`));
        else resolve(String(out).trim());
      });
    });
  }

  close(): void {
    for (const c of this.children) c.kill();
  }
}

export function openReach(access: Access = DIRECT): Reach {
  return access.kind === "portForward" ? new PortForwardReach(access) : new DirectReach();
}
