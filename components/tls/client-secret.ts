// The TLS Secrets' layout (kubernetes.io/tls with ca.crt), in one place: what the program writes,
// what pods mount at /etc/tls, and what applications, `verify` and the tests read back.
import type { ClientTls } from "../provider-kit/client-tls";

/** The Secret with the client certificate applications (and `verify`) use for a workload. */
export function clientTlsSecretName(workload: string): string {
  return `${workload}-client-tls`;
}

/** A certificate, its key and the authority as the Secret's files. */
export function tlsSecretFiles(t: ClientTls): Record<string, string> {
  return { "ca.crt": t.ca, "tls.crt": t.cert, "tls.key": t.key };
}

/** The PEM texts of such a Secret, from its (base64) `data` as the API server returns it. */
export function clientTlsFromSecretData(data: Readonly<Record<string, string>>): ClientTls {
  const pem = (file: string) => Buffer.from(data[file] ?? "", "base64").toString();
  return { ca: pem("ca.crt"), cert: pem("tls.crt"), key: pem("tls.key") };
}
