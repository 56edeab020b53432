import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Pod Security "restricted", enforced; also what scripts/pipeline/deployer-rbac.ts gives a namespace it makes for the program to adopt. */
export const NAMESPACE_LABELS: Readonly<Record<string, string>> = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "app.kubernetes.io/part-of": "middleware",
};

/**
 * The stack's namespace. Pod Security "restricted" is enforced, so the API server itself rejects
 * any pod of ours that loses its secure defaults.
 */
export class MiddlewareNamespace extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: { readonly namespace: string }, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:k8s:MiddlewareNamespace", name, {}, opts);
    const ns = new k8s.core.v1.Namespace(
      name,
      {
        metadata: {
          name: args.namespace,
          labels: NAMESPACE_LABELS,
        },
      },
      { parent: this },
    );
    this.name = ns.metadata.name;
    this.registerOutputs({ name: this.name });
  }
}
