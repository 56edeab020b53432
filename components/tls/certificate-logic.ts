// Issues the X.509 material a workload's TLS needs: a self-signed authority per workload and
// certificates it signs. Keys are RSA 2048 (made by Node's own crypto; every Redis and Java build
// accepts them); node-forge writes the certificates, which Node cannot. No Pulumi import.
import { createPrivateKey, generateKeyPairSync, randomBytes } from "crypto";
import forge from "node-forge";

export interface IssuedCertificate {
  readonly certPem: string;
  /** PKCS#8 PEM. A secret: the resources holding it mark it so. */
  readonly keyPem: string;
  /** ISO time after which the certificate is no longer valid. */
  readonly notAfter: string;
  /** Hex serial number; a new one on every issue, so it names one issue. */
  readonly serial: string;
}

export interface CertificateRequest {
  readonly commonName: string;
  /** DNS names the certificate is valid for (subjectAltName). Defaults to none. */
  readonly dnsNames?: readonly string[];
  /** IP addresses it is valid for (subjectAltName). Defaults to none. */
  readonly ipAddresses?: readonly string[];
  readonly validityDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Issued this long before "now": a node whose clock runs a little behind still accepts it. */
const BACKDATE_MS = 5 * 60 * 1000;

function newKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pkcs1) as forge.pki.rsa.PrivateKey;
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

function serialNumber(): string {
  // Positive (top bit clear) and 128 bits of randomness, as RFC 5280 asks.
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString("hex");
}

function blankCertificate(publicKey: forge.pki.PublicKey, commonName: string, validityDays: number, now: Date) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + validityDays * DAY_MS);
  cert.setSubject([{ name: "commonName", value: commonName }]);
  return cert;
}

function issued(cert: forge.pki.Certificate, keyPem: string): IssuedCertificate {
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem,
    notAfter: cert.validity.notAfter.toISOString(),
    serial: cert.serialNumber,
  };
}

/** A self-signed certificate authority that may sign end-entity certificates only (path length 0). */
export function issueAuthority(commonName: string, validityDays: number, now = new Date()): IssuedCertificate {
  const keys = newKeyPair();
  const cert = blankCertificate(keys.publicKey, commonName, validityDays, now);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return issued(cert, keys.keyPem);
}

/**
 * A certificate signed by `authority`, good for both ends of a connection (serverAuth and
 * clientAuth): every Redis node and ZooKeeper server is a server to its peers and a client of them.
 */
export function issueCertificate(
  authority: { readonly certPem: string; readonly keyPem: string },
  request: CertificateRequest,
  now = new Date(),
): IssuedCertificate {
  const caCert = forge.pki.certificateFromPem(authority.certPem);
  const caKey = forge.pki.privateKeyFromPem(pkcs1Of(authority.keyPem));
  const keys = newKeyPair();
  const cert = blankCertificate(keys.publicKey, request.commonName, request.validityDays, now);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(request.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    ...(altNames.length ? [{ name: "subjectAltName", altNames }] : []),
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return issued(cert, keys.keyPem);
}

/** forge reads RSA keys in PKCS#1 only. */
function pkcs1Of(keyPem: string): string {
  return createPrivateKey(keyPem).export({ type: "pkcs1", format: "pem" }).toString();
}

/** Whether a certificate valid until `notAfter` is due for a new issue: within `renewBeforeDays` of it. */
export function dueForRenewal(notAfter: string, renewBeforeDays: number, now = new Date()): boolean {
  return Date.parse(notAfter) - now.getTime() <= renewBeforeDays * DAY_MS;
}
