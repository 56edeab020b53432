// Certificates for tests, issued by the product's own certificate logic: a workload's authority
// with a member certificate written where a pod mounts them (ca.crt, tls.crt, tls.key), and as
// the PEM texts a provider takes.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IssuedCertificate, issueAuthority, issueCertificate } from "../components/tls/certificate-logic";
import type { ClientTls } from "../components/provider-kit/client-tls";
import { tlsSecretFiles } from "../components/tls/client-secret";

export interface TlsFiles {
  /** Directory holding ca.crt, tls.crt and tls.key, as the <workload>-tls Secret is mounted. */
  readonly dir: string;
  /** The same as PEM texts. */
  readonly pem: ClientTls;
}

/** An authority and the certificates it issues into directories of their own. */
export class TestAuthority {
  readonly ca: IssuedCertificate;
  private readonly dirs: string[] = [];

  constructor(readonly name = "test workload") {
    this.ca = issueAuthority(`${name} authority`, 30);
  }

  /** A member certificate (serverAuth and clientAuth) valid for `validityDays`. */
  issue(commonName = `${this.name} member`, validityDays = 30, now = new Date()): TlsFiles {
    const cert = issueCertificate(
      this.ca,
      { commonName, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], validityDays },
      now,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tls-"));
    this.dirs.push(dir);
    const pem = { ca: this.ca.certPem, cert: cert.certPem, key: cert.keyPem };
    for (const [f, text] of Object.entries(tlsSecretFiles(pem)))
      fs.writeFileSync(path.join(dir, f), text, { mode: 0o600 });
    return { dir, pem };
  }

  remove(): void {
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** redis-cli arguments that speak TLS with the certificate in `files`. */
export function redisCliTls(files: TlsFiles): string[] {
  return [
    "--tls",
    "--cacert",
    `${files.dir}/ca.crt`,
    "--cert",
    `${files.dir}/tls.crt`,
    "--key",
    `${files.dir}/tls.key`,
  ];
}
