// The auth files a Redis pod gets from its Secret, for tests, and the entrypoint's placeholder
// substitution (images/redis/redis-common.sh render_auth) for servers started outside an image.
import { createHash } from "crypto";
import { internalPassword } from "../components/platform/auth-secret";
import { INTERNAL_USERS } from "../components/redis/redis-acl";
import { AuthFile, hashFile, mountedAuthFiles } from "../components/platform/auth-files";

export const CLIENT_PASSWORD = "client-password-for-tests";
export const ADMIN_PASSWORD = "admin-password-for-tests";
/** The client password a rotation retires: accepted only while a config says so. */
export const PREVIOUS_CLIENT_PASSWORD = "previous-client-password-for-tests";
export const INTERNAL_SECRET = "internal-secret-for-tests";

/** Every auth file of a Sentinel workload (the largest set), as the program derives them. */
export const AUTH_FILES: Readonly<Record<AuthFile, string>> = {
  [AuthFile.Password]: CLIENT_PASSWORD,
  [AuthFile.PreviousPassword]: PREVIOUS_CLIENT_PASSWORD,
  [AuthFile.AdminPassword]: ADMIN_PASSWORD,
  ...(Object.fromEntries(INTERNAL_USERS.map((u) => [u, internalPassword(INTERNAL_SECRET, u)])) as Record<
    (typeof INTERNAL_USERS)[number],
    string
  >),
};

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * What one container of the program mounts from its Secret (mountedAuthFiles: the passwords it
 * sends, the hashes of those it only checks), with these tests' passwords.
 */
export function mountedAuth(template: string, sends: readonly string[]): Record<string, string> {
  const held: Record<string, string> = { ...AUTH_FILES };
  for (const [f, v] of Object.entries(AUTH_FILES)) held[hashFile(f)] = sha(v);
  return Object.fromEntries(mountedAuthFiles([template], sends).map((k) => [k, held[k]]));
}

/** What render_auth does: @HASH:<file>@ -> #sha256, @SECRET:<file>@ -> the password. */
export function renderAuth(text: string): string {
  const out = text.replace(/@(HASH|SECRET):([a-z-]+)@/g, (_, kind: string, file: AuthFile) => {
    const secret = AUTH_FILES[file];
    if (secret === undefined) throw new Error(`no auth file ${file}`);
    return kind === "HASH" ? `#${sha(secret)}` : secret;
  });
  return out;
}
