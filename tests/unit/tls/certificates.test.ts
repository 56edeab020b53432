// The certificate logic and its resources: what they issue is checked by Node's own X.509 parser
// and OpenSSL (not by the code that wrote it), and the providers are loaded as the engine loads them.
import * as assert from "assert";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dueForRenewal, issueAuthority, issueCertificate } from "../../../components/tls/certificate-logic";
import { TlsAuthority, TlsCertificate } from "../../../components/tls/certificate";
import { run } from "../../../harness/processes";
import { loadSerialized, serializedProvider } from "../../../harness/dynamic";
import { resetRegistered, setMocks } from "../../../harness/mocks";

const DAY = 86_400_000;

describe("certificate logic", function () {
  this.timeout(30_000);
  const ca = issueAuthority("ns/redis-cluster authority", 3650);
  const leaf = issueCertificate(ca, {
    commonName: "redis-cluster.ns.svc.cluster.local",
    dnsNames: ["*.redis-cluster-headless.ns.svc.cluster.local", "localhost"],
    ipAddresses: ["127.0.0.1"],
    validityDays: 90,
  });

  it("issues an authority that may sign end-entity certificates only", () => {
    const x = new X509Certificate(ca.certPem);
    assert.ok(x.ca);
    assert.strictEqual(x.subject, x.issuer);
    assert.ok(x.verify(x.publicKey), "self-signed");
    assert.ok(Math.abs(Date.parse(x.validTo) - Date.now() - 3650 * DAY) < 2 * DAY);
  });

  it("issues a certificate OpenSSL verifies against the authority, for both ends of a connection, with the names asked", async () => {
    const x = new X509Certificate(leaf.certPem);
    assert.ok(!x.ca);
    assert.ok(x.checkIssued(new X509Certificate(ca.certPem)));
    assert.strictEqual(
      x.subjectAltName,
      "DNS:*.redis-cluster-headless.ns.svc.cluster.local, DNS:localhost, IP Address:127.0.0.1",
    );
    // checkHost answers with the name that matched: the wildcard.
    assert.ok(x.checkHost("redis-cluster-4.redis-cluster-headless.ns.svc.cluster.local"));
    assert.strictEqual(x.checkHost("redis-cluster-4.elsewhere.ns.svc.cluster.local"), undefined);
    assert.deepStrictEqual(x.keyUsage?.sort(), ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    assert.strictEqual(x.serialNumber.toLowerCase().replace(/^0+/, ""), leaf.serial.replace(/^0+/, ""));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cert-"));
    try {
      fs.writeFileSync(path.join(dir, "ca.crt"), ca.certPem);
      fs.writeFileSync(path.join(dir, "tls.crt"), leaf.certPem);
      for (const purpose of ["sslserver", "sslclient"]) {
        const r = await run("openssl", [
          "verify",
          "-purpose",
          purpose,
          "-CAfile",
          path.join(dir, "ca.crt"),
          path.join(dir, "tls.crt"),
        ]);
        assert.match(r.stdout, /: OK/, r.stdout + r.stderr);
      }
      // The key belongs to the certificate.
      const pub = new X509Certificate(leaf.certPem).publicKey.export({ type: "spki", format: "pem" });
      const { createPublicKey } = await import("crypto");
      assert.strictEqual(createPublicKey(leaf.keyPem).export({ type: "spki", format: "pem" }), pub);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("issues a new serial every time", () => {
    const again = issueCertificate(ca, { commonName: "x", validityDays: 1 });
    assert.notStrictEqual(again.serial, leaf.serial);
  });

  it("is due for renewal within renewBeforeDays of expiry, not before", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    assert.strictEqual(dueForRenewal("2026-01-31T00:00:01Z", 30, now), false);
    assert.strictEqual(dueForRenewal("2026-01-31T00:00:00Z", 30, now), true);
    assert.strictEqual(dueForRenewal("2025-12-01T00:00:00Z", 30, now), true);
  });
});

describe("certificate resources under mocks", function () {
  this.timeout(60_000);
  before(async () => {
    resetRegistered();
    await setMocks("unit");
    const authority = new TlsAuthority("ca", { commonName: "a", validityDays: 3650, renewBeforeDays: 30 });
    new TlsCertificate("cert", { authority, commonName: "c", dnsNames: ["x"], validityDays: 90, renewBeforeDays: 30 });
  });

  it("serialize providers the engine can load, which issue, keep the authority's key out of the outputs, and renew when due", async () => {
    const ca = loadSerialized(await serializedProvider("ca"));
    const created = (await ca.create({ commonName: "a", validityDays: 3650, renewBeforeDays: 30 })) as {
      outs: Record<string, string>;
    };
    assert.match(created.outs.certPem, /BEGIN CERTIFICATE/);
    const cert = loadSerialized(await serializedProvider("cert"));
    const inputs = {
      authorityCertPem: created.outs.certPem,
      authorityKeyPem: created.outs.keyPem,
      commonName: "c",
      dnsNames: ["x"],
      ipAddresses: [],
      validityDays: 90,
      renewBeforeDays: 30,
    };
    const issued = (await cert.create(inputs)) as { outs: Record<string, unknown> };
    assert.ok(!JSON.stringify(issued.outs).includes(created.outs.keyPem), "the authority's key is no output");
    assert.ok(
      new X509Certificate(issued.outs.certPem as string).checkIssued(new X509Certificate(created.outs.certPem)),
    );
    // Unchanged and far from expiry: nothing to do.
    assert.deepStrictEqual(((await cert.diff("id", issued.outs, inputs)) as { changes: boolean }).changes, false);
    // 29 days left of renewBeforeDays 30: replaced, so up issues anew (and the pods roll).
    const due = { ...issued.outs, notAfter: new Date(Date.now() + 29 * DAY).toISOString() };
    const d = (await cert.diff("id", due, inputs)) as { changes: boolean; replaces: string[] };
    assert.ok(d.changes && d.replaces.includes("notAfter"), JSON.stringify(d));
    // A new name is a new certificate.
    const renamed = (await cert.diff("id", issued.outs, { ...inputs, dnsNames: ["x", "y"] })) as { replaces: string[] };
    assert.deepStrictEqual(renamed.replaces, ["dnsNames"]);
    // A new authority (its renewal) reissues every certificate it signed.
    const other = (await ca.create({ commonName: "a", validityDays: 3650, renewBeforeDays: 30 })) as {
      outs: Record<string, string>;
    };
    const moved = (await cert.diff("id", issued.outs, { ...inputs, authorityCertPem: other.outs.certPem })) as {
      replaces: string[];
    };
    assert.deepStrictEqual(moved.replaces, ["authorityCertPem"]);
  });
});
