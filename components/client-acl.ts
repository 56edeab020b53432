// Checks a stack's ACL rules for the Redis `default` user before they reach a server: only rules
// that grant or narrow commands, keys and channels; never a password, a user switch, or a channel
// that would let a client speak for Sentinel.
import { SENTINEL_HELLO_CHANNEL } from "./specs/redis-acl";

const COMMAND_RULE = /^[+-]@?[a-z][a-z0-9_-]*(\|[a-z0-9_-]+)?$/i;
const KEY_RULE = /^(%R|%W|%RW)?~\S+$/;
const FLAGS = new Set(["allkeys", "resetkeys", "resetchannels", "allcommands", "nocommands"]);

/** Whether Redis's glob `pattern` (stringmatch: *, ?, [set], [^set], \x) matches `text`. */
export function globMatches(pattern: string, text: string): boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "\\" && i + 1 < pattern.length) re += escape(pattern[++i]);
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) {
        re += "\\[";
        continue;
      }
      let set = pattern.slice(i + 1, end);
      const negate = set.startsWith("^");
      if (negate) set = set.slice(1);
      re += `[${negate ? "^" : ""}${set.replace(/[\\\]^]/g, (x) => `\\${x}`)}]`;
      i = end;
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`, "s").test(text);
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Problems with one ACL rule string; empty when every rule is acceptable. */
export function clientAclProblems(rules: string): string[] {
  const problems: string[] = [];
  if (/[\r\n]/.test(rules)) return ["must be one line of ACL rules"];
  const tokens = rules.split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return ['must list at least one rule, e.g. "~* +@read"'];
  for (const t of tokens) {
    if (t === "allchannels" || (t.startsWith("&") && globMatches(t.slice(1), SENTINEL_HELLO_CHANNEL))) {
      problems.push(
        `"${t}" would let clients publish on ${SENTINEL_HELLO_CHANNEL} and steer the sentinels; list the application's channels instead, e.g. "&app:*"`,
      );
    } else if (/^[<>#!]|^(on|off|nopass|reset|resetpass)$|^\(/.test(t)) {
      problems.push(
        `"${t}" is not allowed: passwords and the user's state are set by the program; give only command, key and channel rules`,
      );
    } else if (!(COMMAND_RULE.test(t) || KEY_RULE.test(t) || (t.startsWith("&") && t.length > 1) || FLAGS.has(t))) {
      problems.push(
        `"${t}" is not an ACL rule for commands (+get, -@dangerous, +client|setname), keys (~app:*, %R~cache:*) or channels (&events:*)`,
      );
    }
  }
  return problems;
}
