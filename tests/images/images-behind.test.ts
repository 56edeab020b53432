// scripts/images-behind against real images and real apt: an image holding a package its own apt
// sources have a newer version of is reported behind (exit 3), naming both versions; one holding
// the newest is current (exit 0); one whose sources list no security suite is reported (exit 3).
// The sources are a local repository (a "probe-security" suite, or flat) of a package built here,
// so the answer does not depend on what Debian shipped today.
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BASE_IMAGE, docker, requireDockerEngine } from "../../harness/docker";
import { check, run } from "../../harness/processes";
import { ROOT } from "../../harness/stack-files";

const PACKAGE = "middleware-freshness-probe";
const SUITE = "probe-security";

/** A .deb of PACKAGE at `version` (dpkg-deb, part of every Debian's dpkg), in `dir`. */
async function buildDeb(dir: string, version: string): Promise<string> {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), "deb-"));
  fs.mkdirSync(path.join(tree, "DEBIAN"));
  fs.writeFileSync(
    path.join(tree, "DEBIAN", "control"),
    `Package: ${PACKAGE}\nVersion: ${version}\nArchitecture: all\nMaintainer: tests <tests@localhost>\nDescription: freshness probe\n`,
  );
  const deb = path.join(dir, `${PACKAGE}_${version}_all.deb`);
  await check("dpkg-deb", ["--root-owner-group", "--build", tree, deb]);
  fs.rmSync(tree, { recursive: true });
  return deb;
}

/** An apt repository index for one .deb at the repository's root (what dpkg-scanpackages writes). */
function packagesIndex(deb: string, version: string): string {
  const bytes = fs.readFileSync(deb);
  return [
    `Package: ${PACKAGE}`,
    `Version: ${version}`,
    "Architecture: all",
    "Maintainer: tests <tests@localhost>",
    `Filename: ${path.basename(deb)}`,
    `Size: ${bytes.length}`,
    `SHA256: ${createHash("sha256").update(bytes).digest("hex")}`,
    "Description: freshness probe",
    "",
  ].join("\n");
}

describe("scripts/images-behind (real Docker engine, real apt)", function () {
  this.timeout(300_000);
  const context = fs.mkdtempSync(path.join(os.tmpdir(), "freshness-"));
  const tags: string[] = [];

  /** An image on the base with PACKAGE at `installed`, whose only apt source offers version 2.0; run as uid 10001 like ours. */
  async function imageWith(installed: string, suite = `${SUITE} main`): Promise<string> {
    const tag = `middleware-test/freshness:${installed}-${suite === "./" ? "flat" : "suite"}-${process.pid}`;
    fs.writeFileSync(
      path.join(context, "Dockerfile"),
      [
        `FROM ${BASE_IMAGE}`,
        `COPY installed/${PACKAGE}_${installed}_all.deb /tmp/probe.deb`,
        "RUN dpkg -i /tmp/probe.deb && rm /tmp/probe.deb && rm -rf /etc/apt/sources.list /etc/apt/sources.list.d/*",
        "COPY repo /srv/repo",
        // A security suite of our own, as Debian's archive lays one out.
        `RUN echo 'deb [trusted=yes] file:/srv/repo ${suite}' > /etc/apt/sources.list`,
        "USER 10001:10001",
        "",
      ].join("\n"),
    );
    await docker("build", "-q", "-t", tag, context);
    tags.push(tag);
    return tag;
  }

  before(async () => {
    await requireDockerEngine();
    for (const d of ["installed", "repo"]) fs.mkdirSync(path.join(context, d));
    await buildDeb(path.join(context, "installed"), "1.0");
    await buildDeb(path.join(context, "installed"), "2.0");
    const newest = await buildDeb(path.join(context, "repo"), "2.0");
    const index = path.join(context, "repo", "dists", SUITE, "main", "binary-amd64");
    fs.mkdirSync(index, { recursive: true });
    fs.writeFileSync(path.join(index, "Packages"), packagesIndex(newest, "2.0"));
    // The same as a flat repository (no suite at all), for the image that lists no security suite.
    fs.writeFileSync(path.join(context, "repo", "Packages"), packagesIndex(newest, "2.0"));
    fs.writeFileSync(
      path.join(context, "repo", "dists", SUITE, "Release"),
      `Suite: ${SUITE}\nCodename: ${SUITE}\nComponents: main\nArchitectures: amd64 all\n`,
    );
  });

  after(async () => {
    if (tags.length) await run("docker", ["rmi", "-f", ...tags]);
    fs.rmSync(context, { recursive: true, force: true });
  });

  it("reports an image whose apt sources have a newer version of an installed package, naming both, and exits 3", async () => {
    const image = await imageWith("1.0");
    const r = await run(path.join(ROOT, "scripts", "images-behind"), [image], { timeout: 120_000 });
    assert.strictEqual(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^${image}: 1 packages behind$`, "m"));
    assert.match(r.stdout, new RegExp(`^  ${PACKAGE} 1\\.0 -> 2\\.0 \\(`, "m"));
    assert.match(r.stdout, /Move images\.packagesAsOf to today/);
  });

  it("reports an image holding the newest versions as current, and exits 0", async () => {
    const image = await imageWith("2.0");
    const r = await run(path.join(ROOT, "scripts", "images-behind"), [image], { timeout: 120_000 });
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^${image}: current$`, "m"));
  });

  it("reports an image whose apt sources list no security suite, which no fix could ever reach, and exits 3", async () => {
    const image = await imageWith("2.0", "./");
    const r = await run(path.join(ROOT, "scripts", "images-behind"), [image], { timeout: 120_000 });
    assert.strictEqual(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^${image}: its apt sources list no security suite`, "m"));
    assert.doesNotMatch(r.stdout, /: current$/m);
  });

  it("fails, naming the image, when apt cannot run inside it", async () => {
    const r = await run(path.join(ROOT, "scripts", "images-behind"), ["middleware-test/no-such-image:none"], {
      timeout: 120_000,
    });
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /could not ask apt inside middleware-test\/no-such-image:none/);
  });
});
