// ZooKeeper connections for the providers and the tests: four-letter words and native-client
// sessions, over TLS with the deployer's certificate where the ensemble speaks it. The native
// client has no TLS, so its sessions go through a loopback relay (client-tls.ts). No Pulumi import.
import * as net from "net";
import * as tls from "tls";
import { ClientTls, TlsRelay, openTlsRelay, servedUntil, tlsOptions } from "../provider-kit/client-tls";
import { Access, Reach, openReach, splitEndpoint } from "../provider-kit/reach";

export interface FourLetterReply {
  readonly reply: string;
  /** The end of the served certificate's validity, over TLS. */
  readonly servedUntil?: Date;
}

/** Sends a four-letter word (over TLS with `t` when given) and returns the reply; the server closes when done. */
export function fourLetterExchange(
  endpoint: string,
  word: string,
  t?: ClientTls,
  timeoutMs = 3000,
): Promise<FourLetterReply> {
  return new Promise((resolve, reject) => {
    const target = splitEndpoint(endpoint);
    const sock = t ? tls.connect({ ...target, ...tlsOptions(t) }) : net.connect(target);
    let out = "";
    let until: Date | undefined;
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no answer to ${word} within ${timeoutMs} ms`)));
    sock.on(t ? "secureConnect" : "connect", () => {
      if (t) until = servedUntil(sock as tls.TLSSocket);
      sock.write(word);
    });
    sock.on("data", (d) => (out += d.toString()));
    sock.on("end", () => resolve({ reply: out, servedUntil: until }));
    sock.on("error", reject);
  });
}

/** The reply to a four-letter word (over TLS with `t` when given). */
export async function fourLetterWord(endpoint: string, word: string, t?: ClientTls, timeoutMs = 3000): Promise<string> {
  return (await fourLetterExchange(endpoint, word, t, timeoutMs)).reply;
}

export type ZkClient = {
  init(o: object): void;
  once(ev: string, cb: () => void): void;
  create(p: string, d: string, f: number): Promise<string>;
  get(p: string, w: boolean): Promise<[unknown, string]>;
  sync(p: string): Promise<unknown>;
  delete_(p: string, v: number): Promise<unknown>;
  get_children(p: string, w: boolean): Promise<string[]>;
  set_acl(p: string, version: number, acl: ZkAcl[]): Promise<unknown>;
  add_auth(scheme: string, auth: string, cb: (rc: number, error: string) => void): void;
  close(): void;
};

export type ZkAcl = { perms: number; scheme: string; auth: string };

/** A session on `connect`, authenticated with `digest` ("user:password") when given. */
export async function zkConnect(connect: string, digest?: string, timeoutMs = 10000): Promise<ZkClient> {
  // The native binding is loaded here, not at import, so the module stays cheap to load.
  const ZooKeeper = require("zookeeper");
  const client: ZkClient = new ZooKeeper({
    connect,
    timeout: timeoutMs,
    debug_level: ZooKeeper.LOG_LEVEL_ERROR,
    host_order_deterministic: false,
  });
  // Closing a handle frees it at once, but a completion (or a promise continuation it resolved) may
  // run inside the C client's own loop over that handle, which goes on using it: after a lost
  // connection it fails every pending call in one loop, and a close from the first aborted the
  // process (glibc, no message). So every close waits for the loop to return.
  const closeNow = client.close.bind(client);
  client.close = () => void setImmediate(closeNow);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`no ZooKeeper session with ${connect} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    client.init({});
  });
  if (digest !== undefined) {
    await new Promise<void>((resolve, reject) =>
      client.add_auth("digest", digest, (rc, error) => {
        if (rc === 0) return resolve();
        client.close();
        reject(new Error(`authentication as ${digest.split(":")[0]} failed (${rc} ${error})`));
      }),
    );
  }
  return client;
}

/** `p`, or an error naming `what` after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

/**
 * How a provider reaches each member: through `access` (directly or a port-forward), and, with
 * TLS, through a relay per reached address, so the native client can hold a session.
 */
export class ZooKeeperReach {
  private readonly reach: Reach;
  private readonly relays = new Map<string, Promise<TlsRelay>>();

  constructor(
    access: Access | undefined,
    readonly tls?: ClientTls,
  ) {
    this.reach = openReach(access);
  }

  /** Where a four-letter word for `endpoint` goes (with `tls`). */
  wordAddress(endpoint: string): Promise<string> {
    return this.reach.local(endpoint);
  }

  /** Where the native client connects for `endpoint`: a port-forward that ended is replaced on the next call. */
  async sessionAddress(endpoint: string): Promise<string> {
    const local = await this.reach.local(endpoint);
    if (!this.tls) return local;
    let relay = this.relays.get(local);
    if (!relay) {
      relay = openTlsRelay(local, this.tls);
      this.relays.set(local, relay);
    }
    return (await relay).address;
  }

  close(): void {
    for (const r of this.relays.values())
      void r.then(
        (x) => x.close(),
        () => undefined,
      );
    this.reach.close();
  }
}
