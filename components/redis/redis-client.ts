// Redis connections for the providers: bounded in time, RESP2, and failures turned into messages
// that name the member and what to look at. Passwords never appear in a message.
import Redis from "ioredis";
import { ClientTls, expiryProblem, servedUntil, tlsOptions } from "../provider-kit/client-tls";
import { Access, Reach, openReach } from "../provider-kit/reach";

export interface RedisAuth {
  readonly username?: string;
  readonly password?: string;
  /** The deployer's certificate and the workload's authority, where the workload speaks TLS. */
  readonly tls?: ClientTls;
}

/** The credentials in a provider's inputs. */
export function authOf(inputs: RedisAuth): RedisAuth {
  return { username: inputs.username, password: inputs.password, tls: inputs.tls };
}

export const DEFAULT_TIMEOUT_MS = 5000;

export function describeFailure(endpoint: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(msg)) {
    return `authentication to ${endpoint} failed (${msg.split("\n")[0]}); check that the password given to the provider matches the one the server was started with (the workload's auth Secret)`;
  }
  if (/certificate|SSL|TLS|handshake|EPROTO|ECONNRESET/i.test(msg)) {
    return `TLS with ${endpoint} failed (${msg.split("\n")[0]}); check that the server and this client hold certificates of the same authority (the workload's <name>-tls Secret and the stack's state)`;
  }
  if (/ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|connect|Connection is closed/i.test(msg)) {
    return `cannot reach ${endpoint} (${msg.split("\n")[0]}); check that the pod is Running and Ready and that this machine can reach it (use portForward access from outside the cluster)`;
  }
  return `${endpoint}: ${msg.split("\n")[0]}`;
}

/** Connects to the member announced as `endpoint`, via `reach`; throws a described error within `timeoutMs`. */
export async function connect(
  endpoint: string,
  reach: Reach,
  auth: RedisAuth,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Redis> {
  let client: Redis | undefined;
  // ioredis reports the server's refusal (WRONGPASS) on the error event and rejects connect() with
  // a bare "Connection is closed"; keep the first so the message says what really happened.
  let firstError: Error | undefined;
  try {
    const local = await reach.local(endpoint);
    const i = local.lastIndexOf(":");
    client = new Redis({
      host: local.slice(0, i),
      port: Number(local.slice(i + 1)),
      username: auth.username,
      password: auth.password,
      ...(auth.tls ? { tls: tlsOptions(auth.tls) } : {}),
      protocol: 2,
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // The ready check is an extra INFO round trip per connection; callers send their own commands.
      enableReadyCheck: false,
      retryStrategy: () => null,
    });
    client.on("error", (e: Error) => (firstError ??= e));
    await client.connect();
    return client;
  } catch (e) {
    client?.disconnect();
    throw new Error(describeFailure(endpoint, firstError ?? e), { cause: e });
  }
}

/**
 * The Redis connections of one provider call: opened through one reach with one set of
 * credentials, and all closed together (with any port-forwards) however the call ends.
 */
export class RedisSession {
  readonly reach: Reach;
  private readonly clients: Redis[] = [];
  /** When the certificate each member served expires (TLS only), by endpoint. */
  readonly servedCertificates = new Map<string, Date>();

  constructor(
    access: Access | undefined,
    private readonly auth: RedisAuth,
  ) {
    this.reach = openReach(access);
  }

  /** A connection whose commands may take up to `timeoutMs` (the default bounds every other call). */
  async connect(endpoint: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Redis> {
    const client = await connect(endpoint, this.reach, this.auth, timeoutMs);
    this.clients.push(client);
    const validTo = this.auth.tls ? servedUntil(client.stream as import("tls").TLSSocket) : undefined;
    if (validTo) this.servedCertificates.set(endpoint, validTo);
    return client;
  }

  /** Connects to every endpoint at once; if any fails, throws one error listing each failure. */
  async connectAll(endpoints: readonly string[]): Promise<Map<string, Redis>> {
    const results = await Promise.allSettled(endpoints.map((e) => this.connect(e)));
    const failures = results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error).message)] : []));
    if (failures.length) {
      throw new Error(
        `${failures.length} of ${endpoints.length} Redis members could not be used; nothing was changed:\n  - ${failures.join("\n  - ")}`,
      );
    }
    return new Map(results.map((r, i) => [endpoints[i], (r as PromiseFulfilledResult<Redis>).value]));
  }

  /** A problem per member whose certificate expires within `minValidDays` of `now`. */
  expiringCertificates(minValidDays: number, now = new Date()): string[] {
    return [...this.servedCertificates].flatMap(([endpoint, validTo]) =>
      expiryProblem(endpoint, validTo, minValidDays, now),
    );
  }

  close(): void {
    for (const c of this.clients) c.disconnect();
    this.reach.close();
  }
}

/** Runs `fn` with a session that is closed when `fn` settles. */
export async function withRedisSession<T>(
  access: Access | undefined,
  auth: RedisAuth,
  fn: (session: RedisSession) => Promise<T>,
): Promise<T> {
  const session = new RedisSession(access, auth);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/** Parses INFO output into a flat map. */
export function parseInfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}
