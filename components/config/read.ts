// The only reader of pulumi.Config: turns the stack's raw config into validated settings plus
// secret Outputs. Validation runs before any resource is registered, so a bad value costs nothing.
import * as pulumi from "@pulumi/pulumi";
import { HealthAccess, PROJECT, SecretKey, StackSettings } from "./settings";
import { SecretState, configValue, secretStates } from "./secrets";
import { parseStackConfig } from "./validate";

export interface StackSecrets {
  readonly registryPassword: pulumi.Output<string>;
  readonly registryPullPassword: pulumi.Output<string>;
  readonly redisPassword: pulumi.Output<string>;
  readonly redisAdminPassword: pulumi.Output<string>;
  /** Set only while the client password is being rotated: the old one, still accepted. */
  readonly redisPreviousPassword?: pulumi.Output<string>;
  readonly zookeeperPassword: pulumi.Output<string>;
  readonly zookeeperAdminPassword: pulumi.Output<string>;
  readonly internalSecret: pulumi.Output<string>;
}

export interface StackConfig {
  readonly settings: StackSettings;
  readonly secrets: StackSecrets;
}

function rawConfig(): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(`${PROJECT}:`))
      raw[key.slice(PROJECT.length + 1)] = configValue(key.slice(PROJECT.length + 1), value);
  }
  return raw;
}

/** Which config keys the engine decrypted (the language host lists them in PULUMI_CONFIG_SECRET_KEYS); undefined when it does not say. */
function encryptedKeys(): Set<string> | undefined {
  const list = process.env.PULUMI_CONFIG_SECRET_KEYS;
  return list === undefined ? undefined : new Set<string>(JSON.parse(list));
}

/**
 * Where the health assertions run is a property of the runner (a CI runner outside the cluster,
 * the operator inside it), not of the environment, so the runner may set it. Validated like the key.
 */
export function applyRunnerOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const access = env.MIDDLEWARE_HEALTH_ACCESS;
  if (!access) return raw;
  const health = (raw.health ?? {}) as Record<string, unknown>;
  // A broken value in the stack file stays to be reported: the override must not hide it from this
  // runner while it breaks every runner without one.
  if (health.access !== undefined && !(Object.values(HealthAccess) as unknown[]).includes(health.access)) return raw;
  return { ...raw, health: { ...health, access } };
}

export function loadStackConfig(): StackConfig {
  const raw = applyRunnerOverrides(rawConfig(), process.env);
  const encrypted = encryptedKeys();
  const state = (key: SecretKey): SecretState => ({
    value: typeof raw[key] === "string" ? (raw[key] as string) : undefined,
    encrypted: encrypted === undefined ? undefined : encrypted.has(`${PROJECT}:${key}`),
  });
  const settings = parseStackConfig(pulumi.getStack(), raw, secretStates(state));
  const config = new pulumi.Config();
  const secret = (key: SecretKey) => config.getSecret(key) ?? pulumi.secret("");
  return {
    settings,
    secrets: {
      registryPassword: secret(SecretKey.RegistryPassword),
      registryPullPassword: secret(SecretKey.RegistryPullPassword),
      redisPassword: secret(SecretKey.RedisPassword),
      redisAdminPassword: secret(SecretKey.RedisAdminPassword),
      redisPreviousPassword: config.getSecret(SecretKey.RedisPreviousPassword),
      zookeeperPassword: secret(SecretKey.ZooKeeperPassword),
      zookeeperAdminPassword: secret(SecretKey.ZooKeeperAdminPassword),
      internalSecret: secret(SecretKey.InternalSecret),
    },
  };
}
