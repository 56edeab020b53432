// Helpers for tests that run real servers: free loopback ports, bounded waits, and commands
// whose failures carry their output.
import { execFile, ExecFileOptions } from "child_process";
import * as net from "net";

/** Ports this process has handed out; the OS may offer a just-closed port again. */
const handedOut = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that was free a moment ago and not handed out before in this process;
 * with `alsoFree`, the port at that offset must be free too (Redis Cluster's bus is port + 10000).
 */
export async function freePort(alsoFree?: number): Promise<number> {
  for (;;) {
    const port = await osPort();
    const partner = alsoFree === undefined ? undefined : port + alsoFree;
    if (
      handedOut.has(port) ||
      (partner !== undefined && (partner > 65535 || handedOut.has(partner) || !(await isFree(partner))))
    )
      continue;
    handedOut.add(port);
    if (partner !== undefined) handedOut.add(partner);
    return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

function osPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs a command to completion; never throws on a non-zero exit (the caller asserts on `code`). */
export function run(
  cmd: string,
  args: readonly string[],
  opts: ExecFileOptions & { input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...opts }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === "number" ? (err as any).code : 1) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** Runs a command and returns stdout, or throws with everything it printed. */
export async function check(
  cmd: string,
  args: readonly string[],
  opts: ExecFileOptions & { input?: string } = {},
): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes; the error says what was awaited. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
