import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** File names inside the mounted auth Secret; the images' entrypoints and probes read these. */
export const AuthFile = { Password: "password", AdminPassword: "admin-password" } as const;

export interface RedisAuthArgs {
  readonly namespace: pulumi.Input<string>;
  /** Password of the `default` user ordinary clients use. */
  readonly password: pulumi.Input<string>;
  /** Password of the `admin` user used for replication, Sentinel and cluster management. */
  readonly adminPassword: pulumi.Input<string>;
}

/** The Secret a Redis workload mounts as files; passwords never travel in env literals or argv. */
export function redisAuthSecret(name: string, args: RedisAuthArgs, parent: pulumi.Resource): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(name, {
    metadata: { name, namespace: args.namespace },
    type: "Opaque",
    stringData: {
      [AuthFile.Password]: pulumi.secret(args.password),
      [AuthFile.AdminPassword]: pulumi.secret(args.adminPassword),
    },
  }, { parent });
}
