// Running the Pulumi CLI from the pipeline scripts: the policy pack always attached, kubeconfig
// from the KUBECONFIG_DATA secret written to a private temp file, output streamed.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Options, Switch, options } from "./cli";

export const ROOT = path.join(__dirname, "..");
export const POLICY_PACK = path.join(ROOT, "policy");

/** A pipeline script's options: --stack, checked (every script needs it), plus its `extra` ones. */
export function stackOptions<K extends string>(
  usage: string,
  extra: readonly K[] = [],
  switches: readonly (Switch & { name: K })[] = [],
): Options<K> & { readonly stack: string } {
  const opts = options(usage, ["stack", ...extra], process.argv.slice(2), switches);
  const stack = opts.stack;
  if (!stack || !/^[a-z0-9-]+$/.test(stack)) throw new Error(`usage: ${usage}`);
  return { ...opts, stack };
}

/**
 * `--stack` plus the stack's config file when it is not the committed Pulumi.<stack>.yaml: the
 * local stack keeps its machine-specific copy (with this machine's encrypted secrets) outside the
 * repository, and scripts/local-stack names it in MIDDLEWARE_CONFIG_FILE.
 */
export function stackArgs(stack: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const file = env.MIDDLEWARE_CONFIG_FILE;
  return file ? ["--stack", stack, "--config-file", file] : ["--stack", stack];
}

/** Environment for pulumi: KUBECONFIG_DATA (a CI secret) becomes a 0600 file, never an argument. */
export function pulumiEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.KUBECONFIG_DATA) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-"));
    const file = path.join(dir, "config");
    fs.writeFileSync(file, env.KUBECONFIG_DATA, { mode: 0o600 });
    env.KUBECONFIG = file;
    delete env.KUBECONFIG_DATA;
  }
  return env;
}

/**
 * Runs pulumi with its stderr on this process's stderr; resolves with the exit code and captured
 * stdout, which is also echoed unless `echo` is false (e.g. a JSON event stream).
 */
export function pulumi(
  args: readonly string[],
  env = pulumiEnv(),
  echo = true,
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (echo) process.stdout.write(d);
    });
    child.on("error", (e) =>
      reject(
        new Error(`cannot run pulumi (${e.message}); run scripts/install-tools and put its bin directory on PATH`),
      ),
    );
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout }));
  });
}

/** How long the compact view may stay silent before it names the steps still running. */
const HEARTBEAT_MS = 20_000;

/**
 * Runs a pulumi command that changes the stack (up, destroy, refresh) and shows the compact view
 * (up-progress.ts) built from its event log: a line per finished step, failures and their reasons,
 * policy violations, the totals, and every ~20 s of silence the steps still running. The CLI's own
 * full output goes to a log file, named at the end when the command fails (or the view had
 * nothing to show), so nothing is lost by not printing it.
 */
export async function pulumiCompact(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; verbose?: boolean } = {},
): Promise<{ code: number }> {
  // Required here, not at the top: the view is loaded only by the scripts that show it.
  const { UpProgress } = await import("./up-progress");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-run-"));
  const eventLog = path.join(dir, "events.jsonl");
  const fullLog = path.join(dir, "output.log");
  const view = new UpProgress({ verbose: opts.verbose });
  let offset = 0;
  let pending = "";
  let lastSaid = Date.now();
  let shown = 0;
  let errors = 0;
  const say = (lines: readonly string[]) => {
    for (const l of lines) process.stdout.write(`${l}\n`);
    if (lines.length) lastSaid = Date.now();
    shown += lines.length;
  };
  const drain = () => {
    if (!fs.existsSync(eventLog)) return;
    const fd = fs.openSync(eventLog, "r");
    try {
      const buf = Buffer.alloc(1 << 16);
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n)
        pending += buf.toString("utf8", 0, n);
    } finally {
      fs.closeSync(fd);
    }
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines.filter((l) => l.startsWith("{"))) {
      const event = JSON.parse(line) as import("./up-progress").UpEvent;
      if (event.diagnosticEvent?.severity === "error") errors++;
      say(view.handle(event));
    }
    if (Date.now() - lastSaid >= HEARTBEAT_MS) {
      const running = view.running();
      if (running.length)
        say([`  ... still running: ${running.slice(0, 4).join(", ")}${running.length > 4 ? ", ..." : ""}`]);
      else lastSaid = Date.now();
    }
  };
  const out = fs.openSync(fullLog, "w", 0o600);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never", "--event-log", eventLog], {
      cwd: ROOT,
      env: opts.env ?? pulumiEnv(),
      stdio: ["ignore", out, out],
    });
    const timer = setInterval(drain, 250);
    child.on("error", (e) => {
      clearInterval(timer);
      reject(
        new Error(`cannot run pulumi (${e.message}); run scripts/install-tools and put its bin directory on PATH`),
      );
    });
    child.on("exit", (c) => {
      clearInterval(timer);
      resolve(c ?? 1);
    });
  });
  fs.closeSync(out);
  drain();
  if (code !== 0 && errors === 0) {
    // The engine never started (no stack, bad flag, a config error before the program ran): what
    // the CLI said is the only account of why, so show it.
    process.stdout.write(fs.readFileSync(fullLog, "utf8"));
  }
  if (code !== 0 || shown === 0) process.stdout.write(`(the CLI's full output: ${fullLog})\n`);
  else fs.rmSync(dir, { recursive: true, force: true });
  return { code };
}
