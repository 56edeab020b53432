// What the dynamic providers share. Everything here is serialized with the providers' closures,
// so it must not capture module imports: modules are required inside the functions.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { Access } from "./reach";
import type { LogicFile, LogicModules } from "./logic-modules";
import type { ClientTls } from "./client-tls";

/** What logic module paths are relative to (this file is in components/provider-kit); captured as a plain string when a provider is serialized. */
const COMPONENTS_DIR = path.dirname(__dirname);

/** Loads a logic module by its path under components/ (LogicModules), registering TypeScript when the host process has not. */
export function loadLogic<F extends LogicFile>(file: F): LogicModules[F] {
  const { join } = require("path");
  // The engine's dynamic-provider host is plain node; the program runs under ts-node.
  if (!require.extensions[".ts"])
    require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "commonjs" } });
  return require(join(COMPONENTS_DIR, file)) as LogicModules[F];
}

/** Inputs as outputs minus the password and TLS key: they reach the provider as secret inputs only, never outputs. */
export function withoutSecrets<T extends { readonly password?: string; readonly tls?: unknown }>(
  inputs: T,
): Omit<T, "password" | "tls"> {
  const { password: _password, tls: _tls, ...rest } = inputs;
  return rest;
}

/** Which of `keys` differ between recorded outputs and new inputs. */
export function changedKeys(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  keys: readonly string[],
): string[] {
  return keys.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
}

export function diffOf(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  keys: readonly string[],
): pulumi.dynamic.DiffResult {
  const changes = changedKeys(olds, news, keys);
  return { changes: changes.length > 0, replaces: [], deleteBeforeReplace: false };
}

/**
 * Runs an assertion until it passes or `retryForMs` passes, then throws its last error: pods that
 * just became Ready may still be syncing, and a deploy should wait for them, but not forever.
 */
export async function retrying<T>(retryForMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + retryForMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** A stable id for a resource that owns no cloud object: a hash of what it watches. */
/** A logic module's name without its folder and suffix ("platform/node-capacity-logic": "node-capacity"), as resource ids carry it. */
export function logicName(file: LogicFile): string {
  return file.replace(/^.*\//, "").replace(/-logic$/, "");
}

export function stableId(prefix: string, value: unknown): string {
  const { createHash } = require("crypto");
  return `${prefix}-${createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16)}`;
}

/** Args every post-deploy resource takes, as Inputs. */
export interface PostDeployArgs {
  /** How to reach the pods. Defaults to direct. */
  readonly access?: pulumi.Input<Access>;
  /** Changes when the pods change (image, config), so the resource runs again. Defaults to none. */
  readonly trigger?: pulumi.Input<string>;
}

/** Credentials of a resource that talks to the pods; the password and TLS key always travel as Pulumi secrets. */
export interface CredentialArgs {
  /** Redis ACL user. Defaults to the default user. */
  readonly username?: pulumi.Input<string>;
  /** Password of that user, a Pulumi secret. Defaults to none (no AUTH). */
  readonly password?: pulumi.Input<string>;
  /** Client certificate, key and authority for a workload that speaks TLS. Defaults to none: plain text. */
  readonly tls?: pulumi.Input<ClientTls>;
}

/** The inputs a dynamic resource registers: password and TLS key marked secret, so state holds them encrypted. */
export function withSecretPassword<T extends CredentialArgs>(args: T): T {
  return {
    ...args,
    password: args.password === undefined ? undefined : pulumi.secret(args.password),
    tls: args.tls === undefined ? undefined : pulumi.secret(args.tls),
  };
}
