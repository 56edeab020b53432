import * as assert from "assert";
import { options } from "../../../../scripts/pipeline/cli";

describe("pipeline scripts' options", () => {
  const usage = "npm run preview -- --stack <name> [--output file.md]";

  it("reads --name value and --name=value, leaving absent options out", () => {
    assert.deepStrictEqual(options(usage, ["stack", "output"], ["--stack", "dev", "--output=p.md"]), {
      stack: "dev",
      output: "p.md",
    });
    assert.deepStrictEqual(options(usage, ["stack", "output"], ["--stack", "dev"]), { stack: "dev" });
  });

  it("refuses an unknown option, a missing value and a stray argument, with the usage line", () => {
    for (const argv of [["--stak", "dev"], ["--stack"], ["--stack", "dev", "prod"]]) {
      assert.throws(
        () => options(usage, ["stack", "output"], argv),
        (e: Error) => e.message.endsWith(`; usage: ${usage}`),
        argv.join(" "),
      );
    }
  });

  it('reads on/off switches, long and short, as "true", and refuses a value given to one', () => {
    const switches = [{ name: "diff" as const }, { name: "verbose" as const, short: "v" }];
    assert.deepStrictEqual(options(usage, ["stack", "diff", "verbose"], ["--stack", "dev", "-v", "--diff"], switches), {
      stack: "dev",
      verbose: "true",
      diff: "true",
    });
    assert.throws(() => options(usage, ["stack", "diff"], ["--diff=yes"], switches), /usage:/);
  });
});
