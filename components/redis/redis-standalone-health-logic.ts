// Asserts a standalone Redis serves authenticated clients with AOF on. No Pulumi import.
import { HealthError } from "../health/health-error";
import type { Access } from "../provider-kit/reach";
import type { CertificateCheck } from "../provider-kit/client-tls";
import { RedisAuth, authOf, parseInfo, withRedisSession } from "./redis-client";

export interface StandaloneHealthInputs extends RedisAuth, CertificateCheck {
  readonly endpoint: string;
  readonly access?: Access;
}

export interface StandaloneHealthReport {
  readonly appendonly: "yes";
  readonly role: string;
}

export async function assertStandaloneHealthy(inputs: StandaloneHealthInputs): Promise<StandaloneHealthReport> {
  return withRedisSession(inputs.access, authOf(inputs), async (session) => {
    let client;
    try {
      client = await session.connect(inputs.endpoint);
    } catch (e) {
      throw new HealthError("Redis", [(e as Error).message]);
    }
    const problems: string[] =
      inputs.minValidDays === undefined ? [] : session.expiringCertificates(inputs.minValidDays);
    if ((await client.ping()) !== "PONG") problems.push(`${inputs.endpoint} did not answer PING`);
    const persistence = parseInfo(String(await client.call("INFO", "persistence")));
    if (persistence.get("aof_enabled") !== "1")
      problems.push(`${inputs.endpoint} runs without appendonly; its data would not survive a restart`);
    if (persistence.get("aof_last_write_status") !== "ok")
      problems.push(
        `${inputs.endpoint} reports aof_last_write_status:${persistence.get("aof_last_write_status")}; check the volume is writable and not full`,
      );
    const key = `middleware:health:${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await client.set(key, "1", "PX", 60000);
    if ((await client.get(key)) !== "1") problems.push(`${inputs.endpoint} did not return a key just written`);
    await client.del(key);
    if (problems.length) throw new HealthError("Redis", problems);
    return {
      appendonly: "yes" as const,
      role: parseInfo(String(await client.call("INFO", "replication"))).get("role") ?? "unknown",
    };
  });
}
