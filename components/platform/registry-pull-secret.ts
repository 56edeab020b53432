import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RegistryArgs } from "./harbor-image";

export interface RegistryPullSecretArgs {
  /** Namespace the pods that pull run in. */
  readonly namespace: pulumi.Input<string>;
  /** The registry and its pull-only credential. */
  readonly registry: RegistryArgs;
}

/** The docker config JSON kubelet needs to pull from `server`; pure so it is tested without mocks. */
export function dockerConfigJson(server: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  return JSON.stringify({ auths: { [server]: { username, password, auth } } });
}

/** A kubernetes.io/dockerconfigjson Secret with the Harbor credentials, referenced by every pod. */
export class RegistryPullSecret extends pulumi.ComponentResource {
  public readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: RegistryPullSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:images:RegistryPullSecret", name, {}, opts);
    const json = pulumi
      .all([args.registry.username, args.registry.password])
      .apply(([user, password]) => dockerConfigJson(args.registry.server, user, password));
    const secret = new k8s.core.v1.Secret(
      name,
      {
        metadata: { name, namespace: args.namespace },
        type: "kubernetes.io/dockerconfigjson",
        stringData: { ".dockerconfigjson": pulumi.secret(json) },
      },
      { parent: this },
    );
    this.secretName = secret.metadata.name;
    this.registerOutputs({ secretName: this.secretName });
  }
}
