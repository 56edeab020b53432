// Checks a stack's ACL rules for the Redis `default` user before they reach a server: only rules
// that grant or narrow commands, keys and channels; never a password, a user switch, or a channel
// that would let a client speak for Sentinel.

/** The channel Sentinel's gossip runs on; whoever may publish there can steer the sentinels. */
export const SENTINEL_HELLO_CHANNEL = "__sentinel__:hello";

const COMMAND_RULE = /^[+-]@?[a-z][a-z0-9_-]*(\|[a-z0-9_-]+)?$/i;
const KEY_RULE = /^(%R|%W|%RW)?~\S+$/;
const FLAGS = new Set(["allkeys", "resetkeys", "resetchannels", "allcommands", "nocommands"]);

/**
 * Whether Redis's glob `pattern` matches `text`, exactly as the server's stringmatch does it
 * (util.c), quirks included: a `[` never closed takes the rest of the pattern as its set, a `]`
 * right after `[` closes an empty set, a reversed range `[z-a]` is read as `[a-z]`. A translation
 * to a regular expression got the first wrong and passed `&__sentinel__:hell[o`, which Redis
 * matches against the hello channel (tests/servers/client-acl-glob.test.ts checks against a server).
 */
export function globMatches(pattern: string, text: string): boolean {
  return matchFrom(pattern, 0, text, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length && si < s.length) {
    const c = p[pi];
    if (c === "*") {
      while (p[pi + 1] === "*") pi++;
      if (pi === p.length - 1) return true;
      for (; si < s.length; si++) if (matchFrom(p, pi + 1, s, si)) return true;
      return false;
    }
    if (c === "[") {
      const set = matchSet(p, pi + 1, s[si]);
      if (!set.matched) return false;
      pi = set.end;
    } else if (c !== "?") {
      if (c === "\\" && p.length - pi >= 2) pi++;
      if (p[pi] !== s[si]) return false;
    }
    pi++;
    si++;
    if (si === s.length) while (p[pi] === "*") pi++;
  }
  return pi === p.length && si === s.length;
}

/** A `[set]` whose body starts at `from`, against one character; `end` is the index of its last pattern character. */
function matchSet(p: string, from: number, ch: string): { matched: boolean; end: number } {
  let i = from;
  const negate = p[i] === "^";
  if (negate) i++;
  let matched = false;
  for (; ; i++) {
    if (p[i] === "\\" && p.length - i >= 2) {
      i++;
      if (p[i] === ch) matched = true;
    } else if (p[i] === "]") {
      break;
    } else if (i >= p.length) {
      i = p.length - 1; // never closed: the set ran to the end of the pattern
      break;
    } else if (p.length - i >= 3 && p[i + 1] === "-") {
      const [lo, hi] = p[i] <= p[i + 2] ? [p[i], p[i + 2]] : [p[i + 2], p[i]];
      if (ch >= lo && ch <= hi) matched = true;
      i += 2;
    } else if (p[i] === ch) {
      matched = true;
    }
  }
  return { matched: negate ? !matched : matched, end: i };
}

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
