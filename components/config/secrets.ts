// The secret config keys: which are needed, and what makes a value unfit (missing, stored in
// plaintext, too weak, or the same as another). Values never enter StackSettings or a message.
import { ConfigProblem, structuredValue } from "./section";
import { PROJECT, SecretKey, StackSettings } from "./settings";

/**
 * One config value as Pulumi stores it (text), for key `name` (without the project prefix): settings
 * that are objects or lists arrive as JSON text, but a secret is taken as typed, whatever it starts with.
 */
export function configValue(name: string, text: string): unknown {
  return isSecretKey(name) ? text : structuredValue(`${PROJECT}:${name}`, text);
}

/** Whether config key `name` (without the project prefix) is one of the stack's secrets. */
export function isSecretKey(name: string): boolean {
  return (Object.values(SecretKey) as string[]).includes(name);
}

/** What is known about one secret key without reading its value into settings. */
export interface SecretState {
  readonly value: string | undefined;
  /** False when the key is stored in plaintext in the stack file; undefined when unknown. */
  readonly encrypted: boolean | undefined;
}

function checkSecret(key: SecretKey, state: SecretState, needed: boolean, problems: ConfigProblem[]): void {
  const fix = `run \`pulumi config set --secret ${key} <value>\``;
  if (!needed) return;
  if (state.value === undefined || state.value === "") {
    problems.push({ key, message: `is required: ${fix}` });
    return;
  }
  // The value itself never appears in a message.
  if (state.encrypted === false) problems.push({ key, message: `is stored in plaintext: ${fix}` });
  if (
    key !== SecretKey.RegistryPassword &&
    key !== SecretKey.RegistryPullPassword &&
    (state.value.length < 12 || /[\s"'\\]/.test(state.value))
  ) {
    problems.push({ key, message: `must be at least 12 characters with no whitespace, quotes or backslashes: ${fix}` });
  }
}

/** Every secret key's state, from one lookup per key (the program and `npm run verify` read them differently). */
export function secretStates(state: (key: SecretKey) => SecretState): Record<SecretKey, SecretState> {
  return Object.fromEntries(Object.values(SecretKey).map((k) => [k, state(k)])) as Record<SecretKey, SecretState>;
}

/** Every problem with the secrets this stack's settings need (the values themselves never appear). */
export function secretProblems(
  secrets: Readonly<Record<SecretKey, SecretState>>,
  settings: StackSettings,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const anyRedis = settings.redis.enabled || settings.redisCluster.enabled || settings.redisSentinel.enabled;
  checkSecret(SecretKey.RegistryPassword, secrets.registryPassword, true, problems);
  checkSecret(SecretKey.RegistryPullPassword, secrets.registryPullPassword, true, problems);
  const zk = settings.zookeeper.enabled;
  checkSecret(SecretKey.RedisPassword, secrets.redisPassword, anyRedis, problems);
  checkSecret(SecretKey.RedisAdminPassword, secrets.redisAdminPassword, anyRedis, problems);
  const rotating = anyRedis && secrets.redisPreviousPassword.value !== undefined;
  checkSecret(SecretKey.RedisPreviousPassword, secrets.redisPreviousPassword, rotating, problems);
  checkSecret(SecretKey.ZooKeeperPassword, secrets.zookeeperPassword, zk, problems);
  checkSecret(SecretKey.ZooKeeperAdminPassword, secrets.zookeeperAdminPassword, zk, problems);
  checkSecret(SecretKey.InternalSecret, secrets.internalSecret, anyRedis || zk, problems);
  const same = (a: SecretKey, b: SecretKey) => {
    const v = secrets[a].value;
    return v !== undefined && v !== "" && v === secrets[b].value;
  };
  if (same(SecretKey.RedisPassword, SecretKey.RedisAdminPassword)) {
    problems.push({
      key: SecretKey.RedisAdminPassword,
      message: "must differ from redisPassword, or every client could run admin commands",
    });
  }
  if (same(SecretKey.ZooKeeperPassword, SecretKey.ZooKeeperAdminPassword)) {
    problems.push({
      key: SecretKey.ZooKeeperAdminPassword,
      message: "must differ from zookeeperPassword, or every client could act as super and bypass every ACL",
    });
  }
  if (rotating && same(SecretKey.RedisPreviousPassword, SecretKey.RedisPassword)) {
    problems.push({
      key: SecretKey.RedisPreviousPassword,
      message:
        "equals redisPassword, so nothing is rotated: set redisPassword to the new password and keep the old one here until every client uses the new one",
    });
  }
  if (rotating && same(SecretKey.RedisPreviousPassword, SecretKey.RedisAdminPassword)) {
    problems.push({
      key: SecretKey.RedisPreviousPassword,
      message: "must differ from redisAdminPassword, or clients could log in with the admin password",
    });
  }
  const personal = [
    SecretKey.RedisPassword,
    SecretKey.RedisAdminPassword,
    SecretKey.RedisPreviousPassword,
    SecretKey.ZooKeeperPassword,
    SecretKey.ZooKeeperAdminPassword,
  ];
  if (personal.some((k) => same(SecretKey.InternalSecret, k))) {
    problems.push({
      key: SecretKey.InternalSecret,
      message: `must differ from ${personal.join(", ")}: whoever holds it can derive the replication, Sentinel and ZooKeeper quorum passwords`,
    });
  }
  return problems;
}
