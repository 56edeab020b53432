import * as assert from "assert";
import { configHash } from "../../../components/platform/config-hash";

describe("config hash", () => {
  it("hashes config independently of key order and sensitive to content", () => {
    assert.strictEqual(configHash({ a: "1", b: "2" }), configHash({ b: "2", a: "1" }));
    assert.notStrictEqual(configHash({ a: "1" }), configHash({ a: "2" }));
    assert.notStrictEqual(configHash({ a: "1", b: "" }), configHash({ ab: "1" }));
  });
});
