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
export const REDIS_BYTES = /^[0-9]+(kb|mb|gb)?$/i;
export const JAVA_HEAP = /^[0-9]+[kmg]$/i;
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const HOST = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?$/;

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

/** Reads one config object (e.g. `zookeeper`) with defaults, recording problems under `prefix.key`. */
export class Section {
  constructor(
    private readonly raw: Raw,
    readonly prefix: string,
    private readonly problems: ConfigProblem[],
    /** Set on a section that had the wrong type: its one problem is reported, its fields are not. */
    private readonly muted = false,
  ) {}

  key(k: string): string {
    return this.prefix ? `${this.prefix}.${k}` : k;
  }

  fail(k: string, message: string): void {
    if (!this.muted) this.problems.push({ key: this.key(k), message });
  }

  has(k: string): boolean {
    return this.raw[k] !== undefined && this.raw[k] !== null;
  }

  section(k: string): Section {
    const v = this.raw[k];
    if (v !== undefined && (typeof v !== "object" || v === null || Array.isArray(v))) {
      this.fail(k, `must be an object (got ${JSON.stringify(v)})`);
      return new Section({}, this.key(k), this.problems, true);
    }
    return new Section((v as Raw) ?? {}, this.key(k), this.problems, this.muted);
  }

  string(k: string, def: string | undefined, pattern?: RegExp, hint?: string): string {
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
    const values = Object.values(allowed);
    const v = this.raw[k] ?? def;
    if (typeof v !== "string" || !values.includes(v as T)) {
      this.fail(k, `must be one of ${values.map((x) => `"${x}"`).join(", ")} (got ${JSON.stringify(v)})`);
      return def;
    }
    return v as T;
  }

  int(k: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.raw[k] ?? def;
    // Pulumi config set without --path stores numbers as strings; accept both spellings.
    const n = typeof v === "string" && /^-?[0-9]+$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n)) {
      this.fail(k, `must be a whole number (got ${JSON.stringify(v)})`);
      return def;
    }
    if (n < min || n > max) {
      this.fail(k, max === Number.MAX_SAFE_INTEGER ? `must be >= ${min} (got ${n})` : `must be between ${min} and ${max} (got ${n})`);
      return def;
    }
    return n;
  }

  bool(k: string, def: boolean): boolean {
    const v = this.raw[k] ?? def;
    if (v === true || v === "true") return true;
    if (v === false || v === "false") return false;
    this.fail(k, `must be true or false (got ${JSON.stringify(v)})`);
    return def;
  }

  stringList(k: string, def: string[], pattern: RegExp, hint: string): string[] {
    const v = this.raw[k] ?? def;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      this.fail(k, `must be a list of strings (got ${JSON.stringify(v)})`);
      return def;
    }
    for (const x of v as string[]) if (!pattern.test(x)) this.fail(k, `${hint} (got "${x}")`);
    return v as string[];
  }
}
