import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { imageContentTag } from "../../../components/platform/image-tag";

describe("image content tag", () => {
  it("tags an image by its build context: content, executable bits and base image", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-"));
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM x\n");
    fs.writeFileSync(path.join(dir, "entry"), "#!/bin/sh\n", { mode: 0o644 });
    const t1 = imageContentTag(dir, "debian:bookworm-slim");
    assert.match(t1, /^[0-9a-f]{12}$/);
    assert.strictEqual(imageContentTag(dir, "debian:bookworm-slim"), t1);
    assert.notStrictEqual(imageContentTag(dir, "debian:trixie-slim"), t1);
    fs.chmodSync(path.join(dir, "entry"), 0o755);
    const t2 = imageContentTag(dir, "debian:bookworm-slim");
    assert.notStrictEqual(t2, t1);
    fs.writeFileSync(path.join(dir, "entry"), "#!/bin/sh\necho\n", { mode: 0o755 });
    assert.notStrictEqual(imageContentTag(dir, "debian:bookworm-slim"), t2);
  });

  it("tags anew for another day's packages, and keeps the tag of a stack that names none", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-"));
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM x\n");
    const none = imageContentTag(dir, "debian:bookworm-slim");
    assert.strictEqual(imageContentTag(dir, "debian:bookworm-slim", ""), none);
    const day1 = imageContentTag(dir, "debian:bookworm-slim", "2026-12-01");
    assert.notStrictEqual(day1, none);
    assert.strictEqual(imageContentTag(dir, "debian:bookworm-slim", "2026-12-01"), day1);
    assert.notStrictEqual(imageContentTag(dir, "debian:bookworm-slim", "2026-12-04"), day1);
  });
});
