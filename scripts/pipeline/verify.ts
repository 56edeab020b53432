// npm run verify -- --stack <name> [--access direct|portForward]
// Re-runs every health assertion against a live stack, on demand. Reads the stack's config through
// the Pulumi CLI (secrets arrive on stdout, never argv), validates it like the program does, and
// asserts each enabled workload. Exits 1 if any assertion fails.
import { execFileSync } from "child_process";
import { applyRunnerOverrides } from "../../components/config/read";
import { SecretKey } from "../../components/config/settings";
import { SecretState, configValue, isSecretKey, secretStates } from "../../components/config/secrets";
import { parseStackConfig } from "../../components/config/validate";
import { Assertion, endpointsOf, runAssertion } from "../../components/health/assertions";
import { checkAccess } from "../../components/provider-kit/reach";
import type { ClientTls } from "../../components/provider-kit/client-tls";
import { StackSettings, WORKLOAD_NAME, Workload } from "../../components/config/settings";
import { PlannedCheck, verificationPlan } from "../../components/stack/verification-plan";
import { clientTlsFromSecretData, clientTlsSecretName } from "../../components/tls/client-secret";
import { options, runMain } from "./cli";
import { stackArgs } from "./pulumi-cli";
import { accessOf } from "../../components/health/health-wiring";

interface CliConfigEntry {
  value?: string;
  objectValue?: unknown;
  secret?: boolean;
}

export function rawFromCliConfig(json: Record<string, CliConfigEntry>): {
  raw: Record<string, unknown>;
  secrets: Record<SecretKey, SecretState>;
} {
  const raw: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(json)) {
    if (!key.startsWith("middleware:")) continue;
    const name = key.slice("middleware:".length);
    // A secret is taken as typed, even one the CLI could parse as JSON.
    raw[name] = isSecretKey(name) ? (entry.value ?? "") : (entry.objectValue ?? configValue(name, entry.value ?? ""));
  }
  const secret = (k: SecretKey): SecretState => ({
    value: typeof raw[k] === "string" ? (raw[k] as string) : undefined,
    encrypted: json[`middleware:${k}`]?.secret,
  });
  return { raw, secrets: secretStates(secret) };
}

export async function runChecks(checks: readonly PlannedCheck[], log: (line: string) => void): Promise<boolean> {
  let ok = true;
  for (const c of checks) {
    const t0 = Date.now();
    try {
      const report = await runAssertion(Assertion[c.assertion], c.inputs);
      log(`ok    ${c.name} (${Date.now() - t0} ms): ${JSON.stringify(report)}`);
    } catch (e) {
      ok = false;
      log(`FAIL  ${c.name} (${Date.now() - t0} ms): ${(e as Error).message}`);
    }
  }
  return ok;
}

/**
 * The client certificate the stack gave applications for `workload`, read from its Secret with
 * kubectl (the health settings' context): the deployer's own lives only in the stack's state, and
 * verify runs without it. The key goes from kubectl's stdout into memory, never to a file or argv.
 */
function clientTls(settings: StackSettings, workload: string): ClientTls {
  const context = settings.health.kubeContext ? ["--context", settings.health.kubeContext] : [];
  const secret = JSON.parse(
    execFileSync(
      "kubectl",
      [...context, "-n", settings.namespace, "get", "secret", clientTlsSecretName(workload), "-o", "json"],
      { encoding: "utf8" },
    ),
  ) as { data: Record<string, string> };
  return clientTlsFromSecretData(secret.data);
}

async function main(): Promise<void> {
  const usage = "npm run verify -- --stack <name> [--access direct|portForward]";
  const { stack, access } = options(usage, ["stack", "access"]);
  if (!stack) throw new Error(`usage: ${usage}`);
  const json = JSON.parse(
    execFileSync("pulumi", ["config", "--json", "--show-secrets", ...stackArgs(stack)], { encoding: "utf8" }),
  );
  const { raw: fromCli, secrets } = rawFromCliConfig(json);
  const raw = applyRunnerOverrides(
    fromCli,
    access ? { ...process.env, MIDDLEWARE_HEALTH_ACCESS: access } : process.env,
  );
  const settings = parseStackConfig(stack, raw, secrets);
  const plan = verificationPlan(settings, {
    redisPassword: secrets.redisPassword.value ?? "",
    zookeeperAdminPassword: secrets.zookeeperAdminPassword.value ?? "",
    // Every workload speaks TLS.
    clientTls: Object.fromEntries(
      ([Workload.ZooKeeper, Workload.Redis, Workload.RedisCluster, Workload.RedisSentinel] as const)
        .filter((w) => settings[w].enabled)
        .map((w) => [w, clientTls(settings, WORKLOAD_NAME[w])]),
    ),
  });
  // One message with the fix, rather than every member failing on its own.
  await checkAccess(
    accessOf(settings),
    plan.flatMap((c) => endpointsOf(Assertion[c.assertion], c.inputs)),
  );
  const ok = await runChecks(plan, (l) => console.log(l));
  process.exit(ok ? 0 : 1);
}

if (require.main === module) runMain(main);
