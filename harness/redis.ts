import Redis, { RedisOptions } from "ioredis";
import { waitFor } from "./processes";

/** Connects once the server answers PING, retrying while it starts; failed attempts are closed. */
export function connectRedis(
  port: number,
  opts: RedisOptions = {},
  timeoutMs = 20000,
  host = "127.0.0.1",
): Promise<Redis> {
  return waitFor(`redis on ${host}:${port}`, timeoutMs, async () => {
    const client = new Redis({
      host,
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      ...opts,
    });
    client.on("error", () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === "PONG") return client;
    } catch {
      // not up yet
    }
    client.disconnect();
    return undefined;
  });
}
