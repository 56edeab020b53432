/** A failed health assertion: every problem found, each naming the member and what to look at. */
export class HealthError extends Error {
  constructor(
    readonly system: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${system} is not healthy (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`,
    );
    this.name = "HealthError";
  }
}

/** Runs `fn`, turning a thrown error into a problem string instead of stopping the whole check. */
export async function collect<T>(problems: string[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
    return undefined;
  }
}
