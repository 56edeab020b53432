// Judges we did not write: ZooKeeper's own `srvr` answer and the stock redis-cli, pointed at pod
// addresses (routable from the local cluster's host). Passwords reach redis-cli through its
// REDISCLI_AUTH environment variable, never argv.
import * as net from "net";
import * as tls from "tls";
import { ClientTls, tlsOptions } from "../components/provider-kit/client-tls";
import { run } from "./processes";

/**
 * What one ZooKeeper server says about itself in answer to `srvr` ("leader", "follower", ...),
 * over TLS with `t` (a client Secret's files) where the ensemble speaks it.
 */
export function zooKeeperMode(host: string, t?: ClientTls | { ca: string }, port = 2181): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = "";
    // { ca } alone: TLS that checks the server but presents no certificate of its own.
    const options = t && ("cert" in t ? tlsOptions(t) : { ca: t.ca, checkServerIdentity: () => undefined });
    const socket = options
      ? tls.connect({ host, port, ...options }, () => socket.write("srvr"))
      : net.connect({ host, port }, () => socket.write("srvr"));
    socket.setTimeout(3000, () => socket.destroy(new Error(`no srvr answer from ${host}:${port}`)));
    socket.on("data", (d) => (reply += d.toString()));
    socket.on("error", reject);
    socket.on("close", () => {
      const mode = /^Mode: (\S+)$/m.exec(reply);
      if (mode) resolve(mode[1]);
      else reject(new Error(`${host}:${port} answered srvr without a mode: ${reply.trim() || "(nothing)"}`));
    });
  });
}

/** redis-cli against one server; resolves with its output, rejects with its error. */
export async function redisCli(host: string, port: number, password: string, ...args: string[]): Promise<string> {
  const r = await run("redis-cli", ["--no-auth-warning", "-h", host, "-p", String(port), ...args], {
    env: { ...process.env, REDISCLI_AUTH: password },
    timeout: 10_000,
  });
  if (r.code !== 0 || /^(ERR|NOAUTH|WRONGPASS|NOPERM)/m.test(r.stdout))
    throw new Error(`redis-cli -h ${host} ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

/** `INFO replication`'s role of a Redis server. */
export async function redisRole(host: string, password: string, tls: readonly string[] = []): Promise<string> {
  const info = await redisCli(host, 6379, password, ...tls, "info", "replication");
  return /^role:(\w+)/m.exec(info)?.[1] ?? "unknown";
}
