// Prints a failed test's error when it fails, not only in mocha's summary at the end: a run that
// is stopped at its time limit (CI ends the whole job at 90 min) never reaches the summary, and the
// reason for a failure an hour before the end was lost with it.
import type { Context } from "mocha";

export const mochaHooks = {
  afterEach(this: Context): void {
    const test = this.currentTest;
    if (test?.state !== "failed") return;
    const err = (test as unknown as { err?: Error }).err;
    console.log(`\n      FAILED "${test.fullTitle()}":\n${String(err?.stack ?? err).replace(/^/gm, "        ")}\n`);
  },
};
