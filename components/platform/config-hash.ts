import { createHash } from "crypto";

export const CONFIG_HASH_ANNOTATION = "middleware/config-hash";
export const AUTH_FINGERPRINT_ANNOTATION = "middleware/auth-fingerprint";

/** A stable hash of rendered config files; as a pod annotation it rolls the pods when config changes. */
export function configHash(files: Readonly<Record<string, string>>): string {
  const h = createHash("sha256");
  for (const name of Object.keys(files).sort()) h.update(name).update("\0").update(files[name]).update("\0");
  return h.digest("hex").slice(0, 16);
}
