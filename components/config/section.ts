// A small typed reader over raw stack config that records every problem instead of
// stopping at the first, so one run tells the operator everything that is wrong.

export type Raw = Record<string, unknown>;

/** One bad key: where it is, what is wrong, and how to fix it. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly stack: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `Invalid stack configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** A config value as Pulumi stores it: structured values (objects, lists) arrive as JSON text. */
export function structuredValue(key: string, text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${key} is not valid structured config; re-set it with \`pulumi config set --path\``);
  }
}

export const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
export const CPU = /^([0-9]+m|[0-9]+(\.[0-9]+)?)$/;
/** A Redis size with its unit: a bare number is bytes to Redis, and "0" means no limit at all. */
export const REDIS_BYTES = /^[0-9]+(kb|mb|gb)$/i;
export const JAVA_HEAP = /^[0-9]+[kmg]$/i;
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const HOST = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?$/;
/** A Kubernetes object name that may contain dots (RFC 1123 subdomain), e.g. a StorageClass. */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Millicores of a Kubernetes CPU quantity such as "250m" or "1.5". */
export function cpuMillis(q: string): number {
  return q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
}

/** What is wrong with an absolute directory (the root itself, empty, "." or ".." segments), or undefined. */
export function directoryProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return undefined; // the pattern reports it
  const segments = path.replace(/\/+$/, "").split("/").slice(1);
  if (segments.length === 0 || segments[0] === "") return "must be a directory below /, not / itself";
  if (segments.some((x) => x === "" || x === "." || x === ".."))
    return 'must not contain "//", "." or ".." segments: the volumes of every pod are directories below it';
  return undefined;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Bytes of a Kubernetes memory quantity such as "512Mi" or "1G". */
export function quantityBytes(q: string): number {
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  if (!m) return NaN;
  const unit = m[2];
  const factor = unit === "" ? 1 : (BINARY[unit] ?? DECIMAL[unit]);
  return factor === undefined ? NaN : Number(m[1]) * factor;
}

/** Bytes of a Redis size ("256mb") or a JVM heap size ("512m"); Redis and Java both use 1024 multiples. */
export function suffixedBytes(s: string): number {
  const m = /^([0-9]+)([kmg]?)b?$/i.exec(s);
  if (!m) return NaN;
  const exp = { "": 0, k: 1, m: 2, g: 3 }[m[2].toLowerCase() as "" | "k" | "m" | "g"];
  return Number(m[1]) * 1024 ** exp;
}

/**
 * Reads one config object (e.g. `zookeeper`) with defaults, recording problems under `prefix.key`.
 * It remembers which keys were read, so a key nothing reads (a typo such as `redisCluster.master`,
 * which would otherwise deploy the default) is reported by `reportUnknown`.
 */
export class Section {
  private readonly known = new Set<string>();

  constructor(
    private readonly raw: Raw,
    readonly prefix: string,
    private readonly problems: ConfigProblem[],
    /** Set on a section that had the wrong type: its one problem is reported, its fields are not. */
    private readonly muted = false,
    /** Every section read from the same root, for `reportUnknown`. */
    private readonly family: Section[] = [],
  ) {
    family.push(this);
  }

  key(k: string): string {
    return this.prefix ? `${this.prefix}.${k}` : k;
  }

  fail(k: string, message: string): void {
    if (!this.muted) this.problems.push({ key: this.key(k), message });
  }

  /** Keys that are settings here although this run does not read them (e.g. another storage mode's). */
  allow(...keys: string[]): void {
    for (const k of keys) this.known.add(k);
  }

  /** Reports every key, at any depth, that no reader asked for. Call once, after all reading. */
  reportUnknown(): void {
    for (const s of this.family) {
      for (const k of Object.keys(s.raw)) {
        if (!s.known.has(k))
          s.fail(
            k,
            `is not a setting of this program (typo?); known keys${s.prefix ? ` of ${s.prefix}` : ""}: ${[...s.known].join(", ")}`,
          );
      }
    }
  }

  has(k: string): boolean {
    this.known.add(k);
    return this.raw[k] !== undefined && this.raw[k] !== null;
  }

  section(k: string): Section {
    this.known.add(k);
    const v = this.raw[k];
    if (v !== undefined && (typeof v !== "object" || v === null || Array.isArray(v))) {
      this.fail(k, `must be an object (got ${JSON.stringify(v)})`);
      return new Section({}, this.key(k), this.problems, true, this.family);
    }
    return new Section((v as Raw) ?? {}, this.key(k), this.problems, this.muted, this.family);
  }

  string(k: string, def: string | undefined, pattern?: RegExp, hint?: string): string {
    this.known.add(k);
    const v = this.raw[k];
    if (v === undefined || v === null || v === "") {
      if (def === undefined) this.fail(k, `is required${hint ? `: ${hint}` : ""}`);
      return def ?? "";
    }
    if (typeof v !== "string") {
      this.fail(k, `must be a string (got ${JSON.stringify(v)})`);
      return def ?? "";
    }
    if (pattern && !pattern.test(v)) {
      this.fail(k, `${hint ?? `must match ${pattern}`} (got "${v}")`);
    }
    return v;
  }

  oneOf<T extends string>(k: string, allowed: Record<string, T>, def: T): T {
    this.known.add(k);
    const values = Object.values(allowed);
    const raw = this.raw[k] ?? def;
    // A YAML number (`version: 3`) means the same as its digits.
    const v = typeof raw === "number" ? String(raw) : raw;
    if (typeof v !== "string" || !values.includes(v as T)) {
      this.fail(k, `must be one of ${values.map((x) => `"${x}"`).join(", ")} (got ${JSON.stringify(v)})`);
      return def;
    }
    return v as T;
  }

  int(k: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    this.known.add(k);
    const v = this.raw[k] ?? def;
    // Pulumi config set without --path stores numbers as strings; accept both spellings.
    const n = typeof v === "string" && /^-?[0-9]+$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n)) {
      this.fail(k, `must be a whole number (got ${JSON.stringify(v)})`);
      return def;
    }
    if (n < min || n > max) {
      this.fail(
        k,
        max === Number.MAX_SAFE_INTEGER
          ? `must be >= ${min} (got ${n})`
          : `must be between ${min} and ${max} (got ${n})`,
      );
      return def;
    }
    return n;
  }

  bool(k: string, def: boolean): boolean {
    this.known.add(k);
    const v = this.raw[k] ?? def;
    if (v === true || v === "true") return true;
    if (v === false || v === "false") return false;
    this.fail(k, `must be true or false (got ${JSON.stringify(v)})`);
    return def;
  }

  stringList(k: string, def: string[], pattern: RegExp, hint: string): string[] {
    this.known.add(k);
    const v = this.raw[k] ?? def;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      this.fail(k, `must be a list of strings (got ${JSON.stringify(v)})`);
      return def;
    }
    for (const x of v as string[]) if (!pattern.test(x)) this.fail(k, `${hint} (got "${x}")`);
    return v as string[];
  }
}
