import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHmac, scryptSync } from "crypto";
import { AuthFile, INTERNAL_USERS } from "./specs/redis-acl";

export { AuthFile } from "./specs/redis-acl";

/** The three Redis secrets of a stack; every other password is derived from internalSecret. */
export interface RedisCredentials {
  /** Password of the `default` user ordinary clients use. */
  readonly password: pulumi.Input<string>;
  /** Password of the `admin` user: operators and the program's cluster management. */
  readonly adminPassword: pulumi.Input<string>;
  /** Seed of the passwords servers and sentinels use among themselves; never given to anyone. */
  readonly internalSecret: pulumi.Input<string>;
}

/**
 * The password of one internal user. Derived rather than configured so operators manage three
 * secrets, not seven, and independent of the client and admin passwords so rotating those never
 * breaks replication mid-roll.
 */
export function internalPassword(internalSecret: string, file: AuthFile): string {
  return createHmac("sha256", internalSecret).update(`middleware/${file}`).digest("hex");
}

/**
 * A fingerprint of the passwords for a pod annotation, so changing one rolls the pods. Salted and
 * deliberately slow (scrypt): the annotation is readable by anyone who can read the StatefulSet.
 */
export function authFingerprint(salt: string, files: Readonly<Record<string, string>>): string {
  const text = Object.keys(files).sort().map((k) => `${k}\0${files[k]}`).join("\0");
  return scryptSync(text, `middleware-auth/${salt}`, 16, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 }).toString("hex");
}

export interface RedisAuthArgs {
  readonly namespace: pulumi.Input<string>;
  readonly namespaceName: string;
  readonly credentials: RedisCredentials;
  /** The internal users this workload has (replication always; Sentinel's users for Sentinel). */
  readonly internalUsers: readonly (typeof INTERNAL_USERS)[number][];
}

export interface RedisAuth {
  readonly secret: k8s.core.v1.Secret;
  /** authFingerprint of the Secret's content; not secret itself. */
  readonly fingerprint: pulumi.Output<string>;
}

/** The Secret a Redis workload mounts as files; passwords never travel in env literals or argv. */
export function redisAuthSecret(name: string, args: RedisAuthArgs, parent: pulumi.Resource): RedisAuth {
  const c = args.credentials;
  const files = pulumi.all([c.password, c.adminPassword, c.internalSecret]).apply(([password, admin, seed]) => ({
    [AuthFile.Password]: password,
    [AuthFile.AdminPassword]: admin,
    ...Object.fromEntries(args.internalUsers.map((u) => [u, internalPassword(seed, u)])),
  }));
  const secret = new k8s.core.v1.Secret(name, {
    metadata: { name, namespace: args.namespace },
    type: "Opaque",
    stringData: pulumi.secret(files),
  }, { parent });
  return { secret, fingerprint: pulumi.unsecret(files.apply((f) => authFingerprint(`${args.namespaceName}/${name}`, f))) };
}
