import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { SecretState, secretStates } from "../components/config/secrets";
import { SecretKey } from "../components/config/settings";

export const ROOT = path.join(__dirname, "..");

/** A stack file's `middleware:` keys with the prefix removed, values as YAML gives them. */
export function readStackFile(stack: string): Record<string, unknown> {
  const doc = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    if (k.startsWith("middleware:")) out[k.slice("middleware:".length)] = v;
  }
  return out;
}

/** Secrets an operator sets with `pulumi config set --secret`; test values only. */
export const TEST_SECRETS = {
  registryPassword: "registry-test-password-1",
  registryPullPassword: "registry-pull-test-password-2",
  redisPassword: "redis-test-password-12345",
  redisAdminPassword: "redis-admin-test-password-67890",
  zookeeperPassword: "zookeeper-test-password-13579",
  zookeeperAdminPassword: "zookeeper-admin-test-password-97531",
  internalSecret: "internal-test-secret-24680",
} as const;

/** The secrets' states as the program reads them with TEST_SECRETS set (the optional ones unset). */
export function testSecretStates(): Record<SecretKey, SecretState> {
  const held: Record<string, string> = TEST_SECRETS;
  return secretStates((k) => ({ value: held[k], encrypted: k in held ? true : undefined }));
}
