// Asserts a ZooKeeper ensemble is healthy and closed: every member serving, exactly one leader,
// an unauthenticated session refused, the root znode not open to the world, and a znode written
// through the native client (as super) read back from every member; over TLS, every member's
// certificate valid for tls.minValidDays. No Pulumi import.
import { SUPER_ONLY_DIGEST_PROVIDER } from "./zoo-cfg";
import { CertificateCheck, ClientTls, expiryProblem } from "../provider-kit/client-tls";
import { HealthError } from "../health/health-error";
import { Access } from "../provider-kit/reach";
import { ZkAcl, ZkClient, ZooKeeperReach, fourLetterExchange, withTimeout, zkConnect } from "./zookeeper-client";

export interface ZooKeeperHealthInputs extends CertificateCheck {
  readonly servers: readonly string[];
  readonly expectedSize: number;
  /** The SASL user applications authenticate as; the root znode's ACL must name only it. */
  readonly clientUser: string;
  /** Password of `super` (digest scheme), the only identity the native Node client can prove. */
  readonly password: string;
  readonly access?: Access;
  /** The deployer's certificate and the ensemble's authority, where the ensemble speaks TLS. */
  readonly tls?: ClientTls;
}

export interface ZooKeeperHealthReport {
  readonly leader: string;
  readonly followers: number;
  readonly zxid: string;
}

interface MemberState {
  readonly endpoint: string;
  readonly mode?: string;
  readonly zxid?: string;
  readonly servedUntil?: Date;
  readonly problem?: string;
}

async function memberState(endpoint: string, reach: ZooKeeperReach): Promise<MemberState> {
  let local: string;
  try {
    local = await reach.wordAddress(endpoint);
  } catch (e) {
    return { endpoint, problem: `cannot open a connection to ${endpoint} (${(e as Error).message})` };
  }
  try {
    const { reply, servedUntil } = await fourLetterExchange(local, "srvr", reach.tls);
    const mode = /^Mode: (\w+)/m.exec(reply)?.[1];
    if (!mode)
      return {
        endpoint,
        problem: `${endpoint} is not serving requests (${reply.trim().split("\n")[0] || "empty srvr reply"})`,
      };
    return { endpoint, mode, zxid: /^Zxid: (\S+)/m.exec(reply)?.[1], servedUntil };
  } catch (e) {
    const why = (e as Error).message;
    return {
      endpoint,
      problem: reach.tls
        ? `cannot reach ${endpoint} over TLS (${why}); check that the pod is Running and holds a certificate of the ensemble's authority (its <name>-tls Secret)`
        : `cannot reach ${endpoint} (${why}); check that the pod is Running`,
    };
  }
}

export async function assertZooKeeperHealthy(inputs: ZooKeeperHealthInputs): Promise<ZooKeeperHealthReport> {
  const reach = new ZooKeeperReach(inputs.access, inputs.tls);
  try {
    const states = await Promise.all(inputs.servers.map((s) => memberState(s, reach)));
    const problems = states.flatMap((s) => (s.problem ? [s.problem] : []));
    const serving = states.filter((s) => s.mode);
    const majority = Math.floor(inputs.expectedSize / 2) + 1;
    if (inputs.servers.length !== inputs.expectedSize)
      problems.unshift(`expected ${inputs.expectedSize} members, the provider was given ${inputs.servers.length}`);
    if (serving.length < majority) {
      throw new HealthError("ZooKeeper", [
        `no quorum: ${serving.length} of ${inputs.expectedSize} members serve requests, a majority of ${majority} is needed; start with the members that are down`,
        ...problems,
      ]);
    }
    const leaders = serving.filter((s) => s.mode === "leader");
    if (leaders.length !== 1)
      problems.push(
        `expected exactly one leader, found ${leaders.length} (${leaders.map((l) => l.endpoint).join(", ") || "none"})`,
      );
    const others = serving.filter((s) => s.mode !== "leader" && s.mode !== "follower");
    for (const o of others) problems.push(`${o.endpoint} is in mode ${o.mode}, expected leader or follower`);
    if (inputs.minValidDays !== undefined)
      for (const s of serving)
        if (s.servedUntil) problems.push(...expiryProblem(s.endpoint, s.servedUntil, inputs.minValidDays));
    if (problems.length) throw new HealthError("ZooKeeper", problems);
    const locals = await Promise.all(serving.map((s) => reach.sessionAddress(s.endpoint)));
    await assertSuperAccepted(locals, inputs, problems);
    if (problems.length) throw new HealthError("ZooKeeper", problems);
    await writeReadEverywhere(
      locals,
      serving.map((s) => s.endpoint),
      `super:${inputs.password}`,
      problems,
    );
    // Last: the server drops these sessions, which can end a kubectl port-forward that carried one
    // (the reach then opens a new one for the next connection).
    await assertMadeUpDigestRefused(
      reach,
      serving.map((s) => s.endpoint),
      problems,
    );
    await assertAnonymousRefused(await reach.sessionAddress(serving[0].endpoint), problems);
    if (problems.length) throw new HealthError("ZooKeeper", problems);
    return { leader: leaders[0].endpoint, followers: serving.length - 1, zxid: leaders[0].zxid ?? "" };
  } finally {
    reach.close();
  }
}

/** Whether `op` is refused for lack of permission; other failures propagate. */
async function refused(op: Promise<unknown>): Promise<boolean> {
  return op.then(
    () => false,
    (e: Error) => {
      if (/not authenticated|no ?auth/i.test(e.message)) return true;
      throw e;
    },
  );
}

/** super's password must be accepted: it is what the write-read check below and operators use. */
async function assertSuperAccepted(
  locals: readonly string[],
  inputs: ZooKeeperHealthInputs,
  problems: string[],
): Promise<void> {
  const refusedSuper =
    "the members refused zookeeperAdminPassword as super's password; the pods may still run with an older one";
  const admin = await zkConnect(locals.join(","), `super:${inputs.password}`).catch((e: Error) => {
    if (/authentication as super failed/.test(e.message)) return undefined;
    throw e;
  });
  if (!admin) {
    problems.push(refusedSuper);
    return;
  }
  try {
    // A member still on the stock digest provider takes a wrong password as some identity: no permission then.
    if (await refused(admin.get_children("/", false))) problems.push(refusedSuper);
  } finally {
    admin.close();
  }
}

/**
 * Every member must refuse a made-up digest identity at `addauth`. The stock digest provider takes
 * any user:password as an identity, which enforce.auth counts as authenticated: any client could
 * then read and write every world-open znode. The image's provider (authProvider.digest) accepts
 * super's alone; a member without it (a custom image, a classpath change) fails here.
 */
async function assertMadeUpDigestRefused(
  reach: ZooKeeperReach,
  endpoints: readonly string[],
  problems: string[],
): Promise<void> {
  const stranger = `middleware-health-stranger:${Math.random().toString(36).slice(2)}`;
  for (const endpoint of endpoints) {
    let outcome: "refused" | "accepted" | Error = new Error("not tried");
    // A port-forward ended by the previous refusal is replaced by the next reach.local.
    for (let attempt = 0; attempt < 3 && outcome instanceof Error; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 1000));
      outcome = await zkConnect(await reach.sessionAddress(endpoint), stranger, 5000).then(
        (c) => {
          c.close();
          return "accepted" as const;
        },
        (e: Error) =>
          /authentication as middleware-health-stranger failed/.test(e.message) ? ("refused" as const) : e,
      );
    }
    if (outcome === "accepted")
      problems.push(
        `${endpoint} accepted a made-up digest identity as authenticated: it does not run the image's super-only digest ` +
          `provider (zoo.cfg authProvider.digest=${SUPER_ONLY_DIGEST_PROVIDER}, a jar in /opt/zookeeper/lib), so any client can read and write world-open znodes`,
      );
    else if (outcome instanceof Error)
      problems.push(`${endpoint}: could not check that it refuses a made-up digest identity: ${outcome.message}`);
  }
}

/** A session that never authenticates must be refused at its first request (enforce.auth). */
async function assertAnonymousRefused(local: string, problems: string[]): Promise<void> {
  let anonymous: ZkClient | undefined;
  try {
    anonymous = await zkConnect(local);
    const listed = await withTimeout(anonymous.get_children("/", false), 5000, "listing / without credentials").then(
      () => true,
      () => false,
    );
    if (listed)
      problems.push(
        "an unauthenticated client listed the root znode: enforce.auth.enabled is off on some member; check zoo.cfg",
      );
  } catch {
    // Refused before or at the first request: what enforce.auth does.
  } finally {
    anonymous?.close();
  }
}

const PARENT = "/middleware-health";

/**
 * An identity no client can prove: the JAAS file lists only the client user. Only super, who passes
 * every ACL, reaches znodes that name it. (Naming super's digest instead would write its unsalted
 * SHA-1 into the transaction log on the volume.)
 */
const NOBODY = "middleware-health-only-super";

async function writeReadEverywhere(
  locals: readonly string[],
  names: readonly string[],
  digest: string,
  problems: string[],
): Promise<void> {
  const ZooKeeper = require("zookeeper");
  const path = `${PARENT}/check-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const value = `written-${Date.now()}`;
  // The Node client creates every znode world-open; these carry only super's checks, so close them.
  const superOnly: ZkAcl[] = [{ perms: ZooKeeper.ZOO_PERM_ALL, scheme: "sasl", auth: NOBODY }];
  const writer = await zkConnect(locals.join(","), digest);
  try {
    await writer.create(PARENT, "", ZooKeeper.PERSISTENT).catch((e: Error) => {
      if (!/exists/i.test(String(e.message))) throw e;
    });
    await writer.set_acl(PARENT, -1, superOnly);
    await writer.create(path, value, ZooKeeper.EPHEMERAL);
    await writer.set_acl(path, -1, superOnly);
    for (const [i, local] of locals.entries()) {
      let reader: ZkClient | undefined;
      try {
        reader = await zkConnect(local, digest);
        await reader.sync(path);
        const [, data] = await reader.get(path, false);
        if (String(data) !== value)
          problems.push(
            `${names[i]} returned ${JSON.stringify(String(data))} for ${path}, expected ${JSON.stringify(value)}`,
          );
      } catch (e) {
        problems.push(`${names[i]} could not read back ${path}: ${(e as Error).message}`);
      } finally {
        reader?.close();
      }
    }
    await writer.delete_(path, -1).catch(() => undefined);
  } finally {
    writer.close();
  }
}
