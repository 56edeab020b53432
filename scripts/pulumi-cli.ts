// Running the Pulumi CLI from the pipeline scripts: the policy pack always attached, kubeconfig
// from the KUBECONFIG_DATA secret written to a private temp file, output streamed.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Options, options } from "./cli";

export const ROOT = path.join(__dirname, "..");
export const POLICY_PACK = path.join(ROOT, "policy");

/** A pipeline script's options: --stack, checked (every script needs it), plus its `extra` ones. */
export function stackOptions<K extends string>(
  usage: string,
  extra: readonly K[] = [],
): Options<K> & { readonly stack: string } {
  const opts = options(usage, ["stack", ...extra]);
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
