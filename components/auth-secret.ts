import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHmac, scryptSync } from "crypto";
import { AuthFile, INTERNAL_USERS } from "./specs/redis-acl";
import { ZooKeeperAuthFile } from "./specs/zoo-cfg";

export { AuthFile } from "./specs/redis-acl";

/** The three Redis secrets of a stack; every other Redis password is derived from internalSecret. */
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
export function internalPassword(internalSecret: string, file: string): string {
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

export interface AuthSecret {
  readonly secret: k8s.core.v1.Secret;
  /** authFingerprint of the Secret's content; not secret itself. */
  readonly fingerprint: pulumi.Output<string>;
}

/** A Secret a workload mounts as files (one per key); passwords never travel in env literals or argv. */
export function authSecret(name: string, namespace: pulumi.Input<string>, namespaceName: string,
  files: pulumi.Output<Record<string, string>>, parent: pulumi.Resource): AuthSecret {
  const secret = new k8s.core.v1.Secret(name, {
    metadata: { name, namespace },
    type: "Opaque",
    stringData: pulumi.secret(files),
  }, { parent });
  return { secret, fingerprint: pulumi.unsecret(files.apply((f) => authFingerprint(`${namespaceName}/${name}`, f))) };
}

export interface RedisAuthArgs {
  readonly namespace: pulumi.Input<string>;
  readonly namespaceName: string;
  readonly credentials: RedisCredentials;
  /** The internal users this workload has (replication always; Sentinel's users for Sentinel). */
  readonly internalUsers: readonly (typeof INTERNAL_USERS)[number][];
}

export function redisAuthSecret(name: string, args: RedisAuthArgs, parent: pulumi.Resource): AuthSecret {
  const c = args.credentials;
  const files = pulumi.all([c.password, c.adminPassword, c.internalSecret]).apply(([password, admin, seed]): Record<string, string> => ({
    [AuthFile.Password]: password,
    [AuthFile.AdminPassword]: admin,
    ...Object.fromEntries(args.internalUsers.map((u) => [u, internalPassword(seed, u)])),
  }));
  return authSecret(name, args.namespace, args.namespaceName, files, parent);
}

/** The ZooKeeper secrets of a stack; the quorum password is derived from internalSecret. */
export interface ZooKeeperCredentials {
  /** SASL password of the user `app` applications authenticate as. */
  readonly password: pulumi.Input<string>;
  /** Password of `super` (digest scheme): operators and the health assertion; bypasses every ACL. */
  readonly adminPassword: pulumi.Input<string>;
  readonly internalSecret: pulumi.Input<string>;
}

export function zookeeperAuthSecret(name: string, namespace: pulumi.Input<string>, namespaceName: string,
  c: ZooKeeperCredentials, parent: pulumi.Resource): AuthSecret {
  const files = pulumi.all([c.password, c.adminPassword, c.internalSecret]).apply(([password, admin, seed]): Record<string, string> => ({
    [ZooKeeperAuthFile.Password]: password,
    [ZooKeeperAuthFile.AdminPassword]: admin,
    [ZooKeeperAuthFile.QuorumPassword]: internalPassword(seed, ZooKeeperAuthFile.QuorumPassword),
  }));
  return authSecret(name, namespace, namespaceName, files, parent);
}
