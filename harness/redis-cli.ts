// redis-cli's cluster manager as the admin user: the baseline our cluster init is checked against
// (tests) and measured against (bench). The password goes through REDISCLI_AUTH, never argv.
import { check } from "./processes";
import { ADMIN, ADMIN_PASSWORD } from "./redis-servers";

/** `redis-cli --cluster <args>`; resolves with its stdout, throws with everything it printed on failure. */
export function redisCliCluster(args: readonly string[], tls: readonly string[] = []): Promise<string> {
  return check("redis-cli", [...tls, "--no-auth-warning", "--user", ADMIN.username, "--cluster", ...args], {
    env: { ...process.env, REDISCLI_AUTH: ADMIN_PASSWORD },
  });
}

/** `redis-cli --cluster create` of `nodes` with `replicas` replicas per master, answering yes; `tls`: redis-cli's TLS flags. */
export function redisCliCreate(
  nodes: readonly string[],
  replicas: number,
  tls: readonly string[] = [],
): Promise<string> {
  return redisCliCluster(["create", ...nodes, "--cluster-replicas", String(replicas), "--cluster-yes"], tls);
}
