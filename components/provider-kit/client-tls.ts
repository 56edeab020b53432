// TLS as the providers' clients speak it: the deployer's certificate, the server's checked against
// the workload's own authority, the expiry of what a member serves, and a relay for clients with
// no TLS of their own (the native ZooKeeper client). No Pulumi import.
import * as net from "net";
import * as tls from "tls";
import { splitEndpoint } from "./reach";

/** PEM texts a TLS client presents (cert, key) and trusts (ca). */
export interface ClientTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** What an assertion over TLS also checks. */
export interface CertificateCheck {
  /** Fail while a member serves a certificate expiring within this many days. Defaults to no check. */
  readonly minValidDays?: number;
}

/**
 * Node TLS options for a member of the workload: our certificate, and the server's must chain to
 * the workload's own authority. Its names are not checked: members are reached at pod IPs and
 * through port-forwards on 127.0.0.1, names no certificate carries, and only a member holds a
 * certificate of that authority (the servers check peers the same way).
 */
export function tlsOptions(t: ClientTls): tls.ConnectionOptions {
  return { ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: true, checkServerIdentity: () => undefined };
}

/** A problem when the certificate `endpoint` serves (valid until `validTo`) expires within `minValidDays`. */
export function expiryProblem(endpoint: string, validTo: Date, minValidDays: number, now = new Date()): string[] {
  const days = Math.floor((validTo.getTime() - now.getTime()) / 86_400_000);
  return days < minValidDays
    ? [
        `${endpoint} serves a certificate that expires on ${validTo.toISOString()} (${days} days), within tls.minValidDays (${minValidDays}); run up to issue it anew, which rolls the pods`,
      ]
    : [];
}

/** The end of a served certificate's validity, when the socket has one. */
export function servedUntil(socket: tls.TLSSocket): Date | undefined {
  const validTo = socket.getPeerCertificate?.()?.valid_to;
  return validTo ? new Date(validTo) : undefined;
}

export interface TlsRelay {
  /** `127.0.0.1:port`: a plain-text client connecting here talks to the target over TLS. */
  readonly address: string;
  close(): void;
}

/**
 * A loopback listener that carries each connection to `target` (host:port) inside TLS with `t`.
 * A handshake the server refuses, or a server of another authority, ends the client's connection
 * at once, which such a client sees as a server that closed on it.
 */
export function openTlsRelay(target: string, t: ClientTls): Promise<TlsRelay> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((plain) => {
    sockets.add(plain);
    plain.on("close", () => sockets.delete(plain));
    const secure = tls.connect({ ...splitEndpoint(target), ...tlsOptions(t) });
    sockets.add(secure);
    secure.on("close", () => sockets.delete(secure));
    secure.on("secureConnect", () => {
      plain.pipe(secure);
      secure.pipe(plain);
    });
    secure.on("error", () => plain.destroy());
    plain.on("error", () => secure.destroy());
    secure.on("end", () => plain.end());
    plain.on("end", () => secure.end());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        address: `127.0.0.1:${port}`,
        close: () => {
          server.close();
          for (const s of sockets) s.destroy();
        },
      });
    });
  });
}
