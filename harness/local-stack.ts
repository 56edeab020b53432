// The main job (scripts/local-stack) as the e2e suite drives it: its own state directory, and its
// own variant of Pulumi.local.yaml (namespace and volume directory of its own), so a developer's
// local stack on the same cluster is never touched.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import {
  DeployerScope,
  LOCAL_ACCOUNT_NAMESPACE,
  deployerRbac,
  localDeployerStack,
} from "../scripts/pipeline/deployer-rbac";
import { Kubectl } from "./cluster";
import { RunResult, run } from "./processes";
import { ROOT } from "./stack-files";

const SCRIPT = path.join(ROOT, "scripts", "local-stack");

type Settings = Record<string, any>;

/** The local cluster's NFS export (`scripts/local-cluster env`: NFS_EXPORT), where each suite stack's volumes go. */
export const LOCAL_NFS_EXPORT = "/var/lib/middleware-cluster/nfs/export";

/**
 * The stacks the cluster suites deploy. Cluster state outlives a run, so a run that was killed
 * leaves its stack running: 16 more pods whose probes alone take a core of this 2-core machine and
 * make every later suite's rolls slow enough to fail (a CI run took 2.5 times as long that way).
 */
export const SUITE_STACKS = {
  e2e: { namespace: "middleware-e2e", volumeRoot: `${LOCAL_NFS_EXPORT}/e2e` },
  faults: { namespace: "middleware-faults", volumeRoot: `${LOCAL_NFS_EXPORT}/faults` },
} as const;

/**
 * Deletes every suite stack an earlier run left on the cluster (namespace, Retain volumes, volume
 * directory, deployer account), and says what else runs beside the suite: a developer's own stack
 * is never touched, but its load is named so that slow timings are not a mystery.
 */
export async function clearSuiteStacks(kubectl: Kubectl): Promise<void> {
  const namespaces: string[] = (await kubectl.json(["get", "namespaces"])).items.map((n: any) => n.metadata.name);
  for (const { namespace, volumeRoot } of Object.values(SUITE_STACKS)) {
    const leftover = new E2eStack(namespace, volumeRoot);
    for (const ns of [namespace, leftover.scrapeNamespace].filter((n) => namespaces.includes(n))) {
      console.log(`      (deleting ${ns}, which an earlier run left running)`);
      await kubectl.check(["delete", "namespace", ns, "--wait=true", "--timeout=180s"]);
    }
    await leftover.removeLeftovers(kubectl);
    leftover.cleanup();
  }
  const pods: any[] = (await kubectl.json(["get", "pods", "--all-namespaces"])).items;
  const others = new Map<string, number>();
  for (const p of pods.filter((p) => p.metadata.namespace !== "kube-system"))
    others.set(p.metadata.namespace, (others.get(p.metadata.namespace) ?? 0) + 1);
  for (const [namespace, count] of others)
    console.log(
      `      (namespace ${namespace} runs ${count} pods beside this suite; its load slows every timing here)`,
    );
}

export class E2eStack {
  readonly state = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-stack-"));
  readonly settingsFile = path.join(this.state, "settings.yaml");

  constructor(
    readonly namespace: string,
    readonly volumeRoot: string,
    /**
     * Run the Redis pods' metrics sidecars, as Pulumi.local.yaml does. The fault suite turns them
     * off until a roll it saw with them is explained (3 Sentinel data pods not Ready at once in
     * one password-rotation roll); the e2e suite checks them.
     */
    readonly metrics = true,
  ) {
    this.writeSettings();
  }

  /** The namespace whose pods may scrape this suite's metrics ports. */
  get scrapeNamespace(): string {
    return `${this.namespace}-scrape`;
  }

  /** The committed Pulumi.local.yaml with this suite's namespace and NFS volume root, then `edit`. */
  writeSettings(edit: (config: Settings) => void = () => {}): void {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.local.yaml"), "utf8")) as { config: Settings };
    doc.config["middleware:namespace"] = this.namespace;
    doc.config["middleware:storage"].nfs.path = this.volumeRoot;
    // A scrape namespace of its own, which the suite may create and delete.
    doc.config["middleware:metrics"] = this.metrics
      ? { ...doc.config["middleware:metrics"], scrapeNamespace: this.scrapeNamespace }
      : { enabled: false };
    edit(doc.config);
    fs.writeFileSync(this.settingsFile, yaml.dump(doc));
  }

  /** What scripts/local-stack reads to find this suite's state and settings. */
  private env(): NodeJS.ProcessEnv {
    return { ...process.env, MIDDLEWARE_LOCAL_STATE: this.state, MIDDLEWARE_LOCAL_SETTINGS: this.settingsFile };
  }

  /** scripts/local-stack <args>, as a user runs it. */
  run(...args: string[]): Promise<RunResult> {
    return this.runWithInput(undefined, ...args);
  }

  /** The same, with `input` on stdin (how a secret reaches `pulumi config set --secret`). */
  runWithInput(input: string | undefined, ...args: string[]): Promise<RunResult> {
    return run(SCRIPT, args, { cwd: ROOT, input, env: this.env() });
  }

  /**
   * The same, where the cluster's names resolve as they do in a pod: in a mount namespace whose
   * /etc/resolv.conf names the cluster DNS Service (this host routes to pod and Service addresses).
   */
  runWithClusterDns(dnsServiceIp: string, ...args: string[]): Promise<RunResult> {
    const resolvConf = path.join(this.state, "cluster-resolv.conf");
    fs.writeFileSync(resolvConf, `nameserver ${dnsServiceIp}\n`);
    return run(
      "unshare",
      [
        "--mount",
        "sh",
        "-c",
        'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"',
        "sh",
        resolvConf,
        SCRIPT,
        ...args,
      ],
      { cwd: ROOT, env: this.env() },
    );
  }

  async secret(key: "redisPassword" | "redisAdminPassword" | "zookeeperAdminPassword"): Promise<string> {
    const r = await this.run("pulumi", "config", "get", key);
    if (r.code !== 0) throw new Error(`config get ${key}: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Deletes what outlives the stack: its Retain PVs and volume directory, and its deployer account. */
  async removeLeftovers(kubectl: Kubectl): Promise<void> {
    const pvs = await kubectl.json(["get", "pv"]);
    const ours = pvs.items.map((pv: any) => pv.metadata.name).filter((n: string) => n.startsWith(`${this.namespace}-`));
    if (ours.length) await kubectl.check(["delete", "pv", ...ours, "--wait=true", "--timeout=120s"]);
    fs.rmSync(this.volumeRoot, { recursive: true, force: true });
    await this.removeDeployer(kubectl);
  }

  /** Deletes the deployer account scripts/local-stack made for this stack (its namespace is the caller's). */
  removeDeployer(kubectl: Kubectl): Promise<void> {
    return removeDeployerAccount(kubectl, {
      stack: localDeployerStack(this.namespace),
      namespace: this.namespace,
      accountNamespace: LOCAL_ACCOUNT_NAMESPACE,
    });
  }

  cleanup(): void {
    fs.rmSync(this.state, { recursive: true, force: true });
  }
}

/**
 * Deletes what scripts/pipeline/deployer-rbac.ts made for a stack outside the stack's namespace (the account,
 * its cluster role and binding, its admission policy and binding); the namespaces stay the caller's.
 */
export async function removeDeployerAccount(kubectl: Kubectl, scope: Omit<DeployerScope, "storage">): Promise<void> {
  const made = deployerRbac({ ...scope, storage: { mode: "storageClass" } }) as {
    kind: string;
    metadata: { name: string; namespace?: string };
  }[];
  for (const o of made.filter((o) => o.kind !== "Namespace" && o.metadata.namespace !== scope.namespace))
    await kubectl.check([
      "delete",
      o.kind.toLowerCase(),
      o.metadata.name,
      ...(o.metadata.namespace ? ["-n", o.metadata.namespace] : []),
      "--ignore-not-found",
    ]);
}
