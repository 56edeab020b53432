// The real Pulumi engine for tests: the CLI and plugins scripts/install/install-tools built, a file state
// backend and PULUMI_HOME in a temp dir, a passphrase secrets provider. Nothing reaches a network.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RunResult, run } from "./processes";
import { ROOT } from "./stack-files";

export const TOOLS_BIN =
  process.env.MIDDLEWARE_TOOLS_BIN ?? path.join(os.homedir(), ".cache", "middleware-tools", "bin");

export function requireEngine(): void {
  for (const tool of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs", "pulumi-analyzer-policy"]) {
    if (!fs.existsSync(path.join(TOOLS_BIN, tool)))
      throw new Error(`${tool} is missing from ${TOOLS_BIN}; run scripts/setup (or scripts/install/install-tools all)`);
  }
}

export class EngineWorkspace {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "engine-"));

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: `${TOOLS_BIN}:${process.env.PATH}`,
      HOME: process.env.HOME,
      PULUMI_HOME: path.join(this.root, "home"),
      PULUMI_BACKEND_URL: `file://${path.join(this.root, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      ...extra,
    };
  }

  /**
   * Installs a resource plugin this project builds (the real kubernetes provider, the docker
   * stand-in) into this workspace's plugin cache, exactly as scripts/install/install-tools does into ~/.pulumi.
   */
  async installPlugin(name: "kubernetes" | "docker"): Promise<void> {
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies[
      `@pulumi/${name}`
    ];
    const binary = path.join(TOOLS_BIN, "..", "plugins", `pulumi-resource-${name}`);
    if (!fs.existsSync(binary))
      throw new Error(`${binary} is missing; run scripts/install/install-tools ${name}-plugin`);
    const r = await run(path.join(ROOT, "scripts", "install", "install-plugin"), [
      name,
      version,
      binary,
      `installed by the tests from ${binary}`,
      path.join(this.root, "home"),
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
  }

  /** Runs pulumi in `cwd`; `input` goes to stdin (how a secret reaches `config set --secret`). */
  pulumi(cwd: string, args: readonly string[], input?: string): Promise<RunResult> {
    fs.mkdirSync(path.join(this.root, "state"), { recursive: true });
    return run("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd, env: this.env(), input });
  }

  /** Every file of the state backend, concatenated: what would leak if a secret were stored in plaintext. */
  stateText(): string {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(fs.readFileSync(p, "utf8"));
      }
    };
    walk(path.join(this.root, "state"));
    return out.join("\n");
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
