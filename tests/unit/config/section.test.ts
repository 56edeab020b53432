import * as assert from "assert";
import { quantityBytes, suffixedBytes } from "../../../components/config/section";

describe("config value formats", () => {
  it("converts Kubernetes and Redis/JVM sizes to bytes", () => {
    assert.strictEqual(quantityBytes("512Mi"), 512 * 2 ** 20);
    assert.strictEqual(quantityBytes("1G"), 1e9);
    assert.strictEqual(quantityBytes("2"), 2);
    assert.ok(Number.isNaN(quantityBytes("1 GB")));
    assert.strictEqual(suffixedBytes("256mb"), 256 * 2 ** 20);
    assert.strictEqual(suffixedBytes("2g"), 2 * 2 ** 30);
  });
});
