import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, WORKLOAD_KINDS, containersOf, nameOf, podSpecOf } from "../../lib/k8s";

const SECRET_NAME = /pass(word)?|secret|token|credential|auth/i;
const SECRET_FLAG = /^(-a|--pass|--password|--requirepass|--masterauth|--auth)(=.+)?$/;
// A value written as @SECRET:<file>@ or @HASH:<file>@ is a reference the image's entrypoint resolves
// from the mounted Secret at start (images/redis/redis-common.sh), not a credential.
const REFERENCE = String.raw`@(?:SECRET|HASH):[a-z0-9-]+@`;
const SECRET_CONF = new RegExp(
  String.raw`^\s*(requirepass|masterauth|sentinel auth-pass\s+\S+|sentinel sentinel-pass)\s+(?!${REFERENCE})\S+` +
    String.raw`|^\s*user\s+\S+.*\s(?:>\S+|#[0-9a-f]{64})(?:\s|$)|password\s*[=:]\s*\S+` +
    // zoo.cfg's super digest and a JAAS file's DigestLoginModule users.
    String.raw`|superDigest\s*=\s*\S+|^\s*user_\S+\s*=\s*\S+`,
  "im",
);

/** The matched setting with its value cut off, so the report never repeats the credential. */
function withoutValue(match: string): string {
  const text = match.trim();
  const eq = /^[^\s=]+\s*=/.exec(text);
  return eq ? eq[0].replace(/\s+/g, "") : text.split(/\s+/).slice(0, -1).join(" ");
}

/** Passwords belong in Secrets (and Pulumi secrets), never in env literals, argv or ConfigMaps. */
export const secretPlaintextForbidden = (
  enforcementLevel: EnforcementLevel = "mandatory",
): ResourceValidationPolicy => ({
  name: "secret-plaintext-forbidden",
  description: "No password or secret value in plain config: env literals, container args, or ConfigMaps.",
  enforcementLevel,
  validateResource: (args, report) => {
    const name = nameOf(args.props, args.name);
    if (args.type === Kind.ConfigMap) {
      for (const [file, text] of Object.entries(args.props.data ?? {})) {
        const m = typeof text === "string" ? SECRET_CONF.exec(text) : null;
        if (m)
          report(
            `ConfigMap ${name} holds a credential in ${file} ("${withoutValue(m[0])} ..."); put it in a Secret and mount it.`,
          );
      }
      return;
    }
    if (!WORKLOAD_KINDS.includes(args.type)) return;
    for (const c of containersOf(podSpecOf(args.type, args.props))) {
      for (const e of c.env ?? []) {
        if (e && typeof e.value === "string" && e.value !== "" && SECRET_NAME.test(e.name ?? "")) {
          report(
            `Container ${c.name} of ${name} sets ${e.name} as a literal; use valueFrom.secretKeyRef or a mounted Secret.`,
          );
        }
      }
      const argv: unknown[] = [...(c.command ?? []), ...(c.args ?? [])];
      argv.forEach((a, i) => {
        if (typeof a === "string" && SECRET_FLAG.test(a) && (a.includes("=") || typeof argv[i + 1] === "string")) {
          report(
            `Container ${c.name} of ${name} passes a credential on its command line (${a.split("=")[0]}); argv is visible to every process on the node. Read it from a mounted Secret file.`,
          );
        }
      });
    }
  },
});
