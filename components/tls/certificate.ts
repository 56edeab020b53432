// The TLS material as Pulumi resources, so it lives in the stack's state (the keys encrypted, as
// secret outputs) and is issued again by `pulumi up` when due: @pulumi/tls's PrivateKey and
// LocallySignedCert do this, but its plugin cannot be installed here, and a per-workload
// authority keeps a certificate of one workload out of every other's cluster bus.
import * as pulumi from "@pulumi/pulumi";
import type { IssuedCertificate } from "./certificate-logic";
import { loadLogic } from "../provider-kit/provider-kit";

const LOGIC = "tls/certificate-logic" as const;

/** When an issued certificate is renewed, and how long a new one lasts. */
export interface Lifetime {
  readonly validityDays: number;
  /** Issue anew at the first `up` this many days or fewer before it expires. */
  readonly renewBeforeDays: number;
}

interface AuthorityInputs extends Lifetime {
  readonly commonName: string;
}

type Issued = IssuedCertificate & Record<string, unknown>;

/** Whether the recorded issue must be replaced: its request changed, or it is due for renewal. */
function replacement(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  request: readonly string[],
): pulumi.dynamic.DiffResult {
  const changed = request.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
  const { dueForRenewal } = loadLogic(LOGIC);
  const due = typeof olds.notAfter === "string" && dueForRenewal(olds.notAfter, Number(news.renewBeforeDays));
  const replaces = due ? ["notAfter", ...changed] : changed;
  // Create the new one first: what holds the old one (a Secret) moves over in one update.
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
}

const AUTHORITY_REQUEST = ["commonName", "validityDays"];

export class TlsAuthorityProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: AuthorityInputs): Promise<pulumi.dynamic.CreateResult> {
    const issued = loadLogic(LOGIC).issueAuthority(inputs.commonName, inputs.validityDays);
    return { id: `ca-${issued.serial}`, outs: { ...inputs, ...issued } };
  }

  async diff(_id: string, olds: Issued, news: AuthorityInputs): Promise<pulumi.dynamic.DiffResult> {
    return replacement(olds, news as never, AUTHORITY_REQUEST);
  }

  async delete(): Promise<void> {
    // Intentionally nothing: the certificate exists only in this resource's state.
  }
}

/** What an issue records: the certificate, its key (a Pulumi secret output, encrypted in state), expiry and serial. */
abstract class IssuedResource extends pulumi.dynamic.Resource {
  declare public readonly certPem: pulumi.Output<string>;
  /** A Pulumi secret. */
  declare public readonly keyPem: pulumi.Output<string>;
  declare public readonly notAfter: pulumi.Output<string>;
  declare public readonly serial: pulumi.Output<string>;

  protected constructor(
    provider: pulumi.dynamic.ResourceProvider,
    name: string,
    inputs: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      provider,
      name,
      { ...inputs, certPem: undefined, keyPem: undefined, notAfter: undefined, serial: undefined },
      { ...opts, additionalSecretOutputs: ["keyPem"] },
    );
  }
}

/** One workload's certificate authority: self-signed, signing that workload's certificates only. */
export class TlsAuthority extends IssuedResource {
  constructor(name: string, args: AuthorityInputs, opts?: pulumi.CustomResourceOptions) {
    super(new TlsAuthorityProvider(), name, { ...args }, opts);
  }
}

interface CertificateInputs extends Lifetime {
  readonly authorityCertPem: string;
  readonly authorityKeyPem: string;
  readonly commonName: string;
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
}

const CERTIFICATE_REQUEST = ["authorityCertPem", "commonName", "dnsNames", "ipAddresses", "validityDays"];

export class TlsCertificateProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: CertificateInputs): Promise<pulumi.dynamic.CreateResult> {
    const { authorityKeyPem, ...rest } = inputs;
    const issued = loadLogic(LOGIC).issueCertificate(
      { certPem: inputs.authorityCertPem, keyPem: authorityKeyPem },
      inputs,
    );
    // The authority's key is an input only (secret in state), never an output.
    return { id: `cert-${issued.serial}`, outs: { ...rest, ...issued } };
  }

  async diff(_id: string, olds: Issued, news: CertificateInputs): Promise<pulumi.dynamic.DiffResult> {
    return replacement(olds, news as never, CERTIFICATE_REQUEST);
  }

  async delete(): Promise<void> {
    // Intentionally nothing: the certificate exists only in this resource's state.
  }
}

export interface TlsCertificateArgs extends Lifetime {
  readonly authority: TlsAuthority;
  readonly commonName: string;
  /** Names it is valid for. Defaults to none. */
  readonly dnsNames?: readonly string[];
  /** Addresses it is valid for. Defaults to none. */
  readonly ipAddresses?: readonly string[];
}

/** A certificate `authority` signs, for both ends of a connection (certificate-logic.ts). */
export class TlsCertificate extends IssuedResource {
  constructor(name: string, args: TlsCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      new TlsCertificateProvider(),
      name,
      {
        authorityCertPem: args.authority.certPem,
        authorityKeyPem: pulumi.secret(args.authority.keyPem),
        commonName: args.commonName,
        dnsNames: [...(args.dnsNames ?? [])],
        ipAddresses: [...(args.ipAddresses ?? [])],
        validityDays: args.validityDays,
        renewBeforeDays: args.renewBeforeDays,
      },
      opts,
    );
  }
}
