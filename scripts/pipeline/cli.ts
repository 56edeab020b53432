// What every pipeline script's command line shares: --name value options (and a few on/off
// switches) parsed by node's own parseArgs (an unknown option or a missing value is refused with the usage line, not ignored),
// and a main whose thrown error prints its message alone and exits 2.
import { parseArgs } from "node:util";

export type Options<K extends string> = Partial<Record<K, string>>;

/** An on/off switch: `--name`, or its one-letter `short` form. */
export interface Switch {
  readonly name: string;
  readonly short?: string;
}

/**
 * The `--name value` options in `names`, and the `switches` given (as "true"); anything else on
 * the command line fails with `usage`.
 */
export function options<K extends string>(
  usage: string,
  names: readonly K[],
  argv = process.argv.slice(2),
  switches: readonly (Switch & { name: K })[] = [],
): Options<K> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(names.map((n) => [n, { type: "string" as const }])),
        ...Object.fromEntries(
          switches.map((s) => [s.name, { type: "boolean" as const, ...(s.short ? { short: s.short } : {}) }]),
        ),
      },
      strict: true,
      allowPositionals: false,
    });
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])) as Options<K>;
  } catch (e) {
    throw new Error(`${(e as Error).message}; usage: ${usage}`, { cause: e });
  }
}

/** Runs a script's main: 0 or its own exit code when it succeeds, 2 with the message when it throws. */
export function runMain(main: () => Promise<void>): void {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(2);
  });
}
