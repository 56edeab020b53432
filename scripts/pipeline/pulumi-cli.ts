// Running the Pulumi CLI from the pipeline scripts: the policy pack always attached, kubeconfig
// from the KUBECONFIG_DATA secret written to a private temp file, output streamed.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Options, Switch, options } from "./cli";
import { UpEvent, UpProgress } from "./up-progress";

export const ROOT = path.join(__dirname, "..", "..");
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
        new Error(
          `cannot run pulumi (${e.message}); run scripts/install/install-tools and put its bin directory on PATH`,
        ),
      ),
    );
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout }));
  });
}

/**
 * Type-checks the project once (incrementally: ~2.5 s when nothing changed) and returns the
 * environment that lets the engine run the program without type-checking it again. Left to
 * itself, ts-node type-checks the program on every run, and `up` runs it twice (preview, update):
 * about 3.5 s each on 2 cores for the same unchanged code. A type error still stops the command,
 * before the engine starts, with tsc's own message.
 */
export function typeCheckedEnv(env: NodeJS.ProcessEnv = pulumiEnv()): NodeJS.ProcessEnv {
  const info = path.join(ROOT, "node_modules", ".cache", "middleware", "tsbuildinfo");
  fs.mkdirSync(path.dirname(info), { recursive: true });
  const tsc = spawnSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "--noEmit", "--incremental", "--tsBuildInfoFile", info, "-p", ROOT],
    { cwd: ROOT, encoding: "utf8" },
  );
  if (tsc.status !== 0) throw new Error(`the program does not type-check (tsc --noEmit):\n${tsc.stdout}${tsc.stderr}`);
  return { ...env, PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
}

/** `npm run verify` for the stack (every health assertion again); resolves with its exit code. */
export function verify(stack: string): number {
  return spawnSync("npm", ["run", "--silent", "verify", "--", "--stack", stack], { stdio: "inherit" }).status ?? 1;
}

/** How long the compact view may stay silent before it names the steps still running. */
const HEARTBEAT_MS = 20_000;

/**
 * Receives the engine's events as the CLI streams them over gRPC (`--event-log tcp://...`), the way
 * Pulumi's own Automation API follows a run: a file would not do, since the CLI truncates it when
 * `up` moves from its preview to the update. Resolves with the server and the address to pass.
 */
async function eventServer(onEvent: (e: UpEvent) => void): Promise<{ address: string; stop: () => void }> {
  // Loaded here, not at the top: only the scripts that show the compact view need gRPC.
  const grpc = await import("@grpc/grpc-js");
  const { EventsService } = await import("@pulumi/pulumi/proto/events_grpc_pb");
  const { Empty } = await import("google-protobuf/google/protobuf/empty_pb");
  const server = new grpc.Server();
  server.addService(EventsService, {
    streamEvents: (
      call: NodeJS.EventEmitter,
      done: (err: Error | null, reply: InstanceType<typeof Empty> | null) => void,
    ) => {
      call.on("data", (request: { getEvent(): string }) => onEvent(JSON.parse(request.getEvent()) as UpEvent));
      call.on("end", () => done(null, new Empty()));
      call.on("error", (err: Error) => done(err, null));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { address: `tcp://127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

/**
 * Runs a pulumi command that changes the stack (up, destroy, refresh) and shows the compact view
 * (up-progress.ts) built from its engine events: a line per finished step, failures and their
 * reasons, policy violations, the totals, and every ~20 s of silence the steps still running.
 * The CLI's own full output goes to a log file, named at the end when the command fails (or the
 * view had nothing to show), so nothing is lost by not printing it.
 */
export async function pulumiCompact(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; verbose?: boolean } = {},
): Promise<{ code: number }> {
  const view = new UpProgress({ verbose: opts.verbose });
  let lastSaid = Date.now();
  let shown = 0;
  let errors = 0;
  const say = (lines: readonly string[]) => {
    for (const l of lines) process.stdout.write(`${l}\n`);
    if (lines.length) lastSaid = Date.now();
    shown += lines.length;
  };
  const events = await eventServer((e) => {
    if (e.diagnosticEvent?.severity === "error") errors++;
    say(view.handle(e, Date.now()));
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-run-"));
  const fullLog = path.join(dir, "output.log");
  const out = fs.openSync(fullLog, "w", 0o600);
  const heartbeat = setInterval(() => {
    if (Date.now() - lastSaid < HEARTBEAT_MS) return;
    const running = view.running();
    if (running.length)
      say([`  ... still running: ${running.slice(0, 4).join(", ")}${running.length > 4 ? ", ..." : ""}`]);
    else lastSaid = Date.now();
  }, 1000);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never", "--event-log", events.address], {
        cwd: ROOT,
        // --event-log is offered only with PULUMI_DEBUG_COMMANDS, which the Automation API sets too.
        env: { ...(opts.env ?? pulumiEnv()), PULUMI_DEBUG_COMMANDS: "true" },
        stdio: ["ignore", out, out],
      });
      child.on("error", (e) =>
        reject(
          new Error(
            `cannot run pulumi (${e.message}); run scripts/install/install-tools and put its bin directory on PATH`,
          ),
        ),
      );
      child.on("exit", (c) => resolve(c ?? 1));
    });
    if (code !== 0 && errors === 0) {
      // The engine never started (no stack, bad flag, a config error before the program ran): what
      // the CLI said is the only account of why, so show it.
      process.stdout.write(fs.readFileSync(fullLog, "utf8"));
    }
    if (code !== 0 || shown === 0) process.stdout.write(`(the CLI's full output: ${fullLog})\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
    return { code };
  } finally {
    clearInterval(heartbeat);
    fs.closeSync(out);
    events.stop();
  }
}
