import * as pulumi from "@pulumi/pulumi";

/** A client of the pods' TLS port: the workload whose authority it holds a certificate of, and what it asks. */
export interface TlsProbe {
  /** The workload whose authority signed the pods' certificate (its client Secret: clientTlsSecretName). */
  readonly authority: string;
  /** What answers on the port, so a probe asks something only the server past the handshake answers. */
  readonly protocol: "redis" | "zookeeper";
}

/** The TLS Secret of a workload's pods and what rolls them when it is issued anew. */
export interface PodTls {
  /** A kubernetes.io/tls Secret with ca.crt, mounted read-only at Mount.Tls. */
  readonly secretName: pulumi.Input<string>;
  /** Names the certificates in it (their serials); as a pod annotation, a renewal rolls the pods. */
  readonly fingerprint: pulumi.Input<string>;
  /** Who a client must be and what it asks to probe the pods' TLS port (the stack's own Prometheus). */
  readonly probe: TlsProbe;
}
