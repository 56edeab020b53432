import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash, createHmac, scryptSync } from "crypto";
import type { Placement } from "./placement";
import { ChangeGuard, allAtOnceGuard } from "./change-guard";
import type { Access } from "../provider-kit/reach";
import { PROCEDURES, procedureRef } from "./procedures";
import { AuthFile, hashFile } from "./auth-files";
export { AuthFile } from "./auth-files";

/**
 * The three secrets of a workload; every other password it uses is derived from internalSecret.
 * Redis: `default` user (clients) and `admin` (operators, cluster management). ZooKeeper: SASL
 * user `app` (clients) and `super` (operators, the health assertion; bypasses every ACL).
 */
export interface Credentials {
  /** Password of the user ordinary clients use. */
  readonly password: pulumi.Input<string>;
  /** Password of the administrative user. */
  readonly adminPassword: pulumi.Input<string>;
  /** Seed of the passwords the pods use among themselves; never given to anyone. */
  readonly internalSecret: pulumi.Input<string>;
  /**
   * The client password being rotated out, still accepted beside `password` while set (Redis only:
   * a ZooKeeper digest user has one password). Undefined outside a rotation.
   */
  readonly previousPassword?: pulumi.Input<string>;
}

/** Whether the servers must accept a previous client password beside the current one. */
export function acceptsPreviousPassword(c: Credentials): boolean {
  return c.previousPassword !== undefined;
}

/**
 * The password of one internal user. Derived rather than configured so operators manage three
 * secrets, not seven, and independent of the client and admin passwords so rotating those never
 * breaks replication mid-roll. With a `scope` (the workload), no other workload's is the same: a
 * replication password taken from one workload syncs no other's data.
 */
export function internalPassword(internalSecret: string, file: string, scope?: string): string {
  return createHmac("sha256", internalSecret)
    .update(scope === undefined ? `middleware/${file}` : `middleware/${scope}/${file}`)
    .digest("hex");
}

/**
 * A fingerprint of the passwords for a pod annotation, so changing one rolls the pods. Salted and
 * deliberately slow (scrypt): the annotation is readable by anyone who can read the StatefulSet.
 */
export function authFingerprint(salt: string, files: Readonly<Record<string, string>>): string {
  const text = Object.keys(files)
    .sort()
    .map((k) => `${k}\0${files[k]}`)
    .join("\0");
  return scryptSync(text, `middleware-auth/${salt}`, 16, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 }).toString(
    "hex",
  );
}

export interface AuthSecretArgs {
  /** The workload's namespace: the Secret is created in it. */
  readonly platform: Pick<Placement, "namespace" | "namespaceName">;
  /** The stack's passwords for this workload, as Pulumi secrets. */
  readonly credentials: Credentials;
  /** Files derived from internalSecret this workload needs, e.g. Redis's replication user or ZooKeeper's quorum password. */
  readonly internalFiles: readonly string[];
  /**
   * Derive them for this workload alone (internalPassword's scope): the Redis workloads, whose
   * internal users have the same names. Defaults to none: ZooKeeper's quorum password, which no
   * other workload has, keeps the derivation it always had (changing it would need the members stopped).
   */
  readonly internalScope?: string;
  /**
   * Also hold each password's SHA-256 (`<file>.sha256`), so a container that only checks a
   * password mounts its hash (Redis ACL users). Defaults to false (ZooKeeper needs the passwords).
   */
  readonly hashes?: boolean;
}

export interface AuthSecret {
  readonly secret: k8s.core.v1.Secret;
  /** authFingerprint of the Secret's content; not secret itself. */
  readonly fingerprint: pulumi.Output<string>;
}

/**
 * The Secret `<workload>-auth` a workload mounts as files (`password`, `admin-password`, then one
 * per internal file); passwords never travel in env literals or argv. Redis and ZooKeeper name the
 * two personal files alike (AuthFile, ZooKeeperAuthFile), so one builder serves both.
 */
export function authSecret(workload: string, args: AuthSecretArgs, parent: pulumi.Resource): AuthSecret {
  const name = `${workload}-auth`;
  const c = args.credentials;
  const files = pulumi
    .all([c.password, c.adminPassword, c.internalSecret, c.previousPassword])
    .apply(([password, admin, seed, previous]): Record<string, string> => {
      const plain: Record<string, string> = {
        [AuthFile.Password]: password,
        ...(previous === undefined ? {} : { [AuthFile.PreviousPassword]: previous }),
        [AuthFile.AdminPassword]: admin,
        ...Object.fromEntries(args.internalFiles.map((f) => [f, internalPassword(seed, f, args.internalScope)])),
      };
      if (!args.hashes) return plain;
      const hashes = Object.entries(plain).map(([f, v]) => [hashFile(f), createHash("sha256").update(v).digest("hex")]);
      return { ...plain, ...Object.fromEntries(hashes) };
    });
  const secret = new k8s.core.v1.Secret(
    name,
    {
      metadata: { name, namespace: args.platform.namespace },
      type: "Opaque",
      stringData: pulumi.secret(files),
    },
    { parent },
  );
  return {
    secret,
    fingerprint: pulumi.unsecret(files.apply((f) => authFingerprint(`${args.platform.namespaceName}/${name}`, f))),
  };
}

/**
 * Holds a Redis workload's per-workload internal passwords (internalScope) back on a stack deployed
 * before them: its pods know the stack-wide ones, and rolled one at a time, a restarted pod and the
 * others could not authenticate to each other (replication, the sentinels, the handover), splitting
 * the set mid-roll. So `up` stops before anything changes while any member still runs; on a new
 * stack no pod exists yet. docs/configuration.md, "Internal passwords per workload".
 */
export function internalPasswordsGuard(
  workload: string,
  members: readonly string[],
  access: Access | undefined,
  parent: pulumi.Resource,
): ChangeGuard {
  return allAtOnceGuard(
    `${workload}-internal-passwords`,
    {
      setting: "internal passwords",
      value: "per workload",
      risk: "pods switched to their workload's own internal passwords one at a time could not authenticate to the ones not yet switched, splitting the set mid-roll",
      procedure: procedureRef(PROCEDURES.internalPasswords),
    },
    members,
    access,
    parent,
  );
}
