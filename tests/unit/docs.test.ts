// The documents as a newcomer follows them: every section an error message or a warning sends a
// user to is a heading of the file it names, and every link between the README and docs/ lands on
// a file and a heading that exist. A renamed heading or a moved section fails here, not in front
// of a user mid-incident.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROCEDURES } from "../../components/platform/procedures";
import { ROOT } from "../../harness/stack-files";

/** The documents: the README and everything under docs/. */
function documents(): string[] {
  const docs = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
  return ["README.md", ...docs.map((f) => path.join("docs", f))];
}

/** A file's headings, as written (outside indented code blocks, which never start with '#'). */
function headings(doc: string): string[] {
  return fs
    .readFileSync(path.join(ROOT, doc), "utf8")
    .split("\n")
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => l.replace(/^#+ /, "").trim());
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, "")
    .replace(/ /g, "-");
}

/** Text files of the program and its pipeline, where messages and comments name a section. */
function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(rel);
    return /\.(ts|sh|yml|yaml|md)$|^[a-z-]+$/.test(e.name) ? [rel] : [];
  });
}

describe("documents", () => {
  it("has every procedure a refusal or warning names as a heading of its file", () => {
    for (const p of Object.values(PROCEDURES))
      assert.ok(headings(p.doc).includes(p.section), `${p.doc} has no heading "${p.section}"`);
  });

  it('has every section a message or comment names (docs/x.md, "Heading") as a heading of that file', () => {
    const named = [
      ...documents(),
      ...fs.readdirSync(ROOT).filter((f) => /^Pulumi\..*\.yaml$/.test(f)),
      ...["components", "scripts", "policy/policies", ".github", "images", "deploy", "index.ts"].flatMap((d) =>
        fs.statSync(path.join(ROOT, d)).isDirectory() ? sources(d) : [d],
      ),
    ].flatMap((file) =>
      [...fs.readFileSync(path.join(ROOT, file), "utf8").matchAll(/(docs\/[\w-]+\.md), \\?"([^"\\]+)\\?"/g)].map(
        (m) => ({ file, doc: m[1], section: m[2] }),
      ),
    );
    assert.ok(named.length >= 10, `only ${named.length} references found: the pattern no longer matches`);
    const missing = named.filter((n) => !fs.existsSync(path.join(ROOT, n.doc)) || !headings(n.doc).includes(n.section));
    assert.deepStrictEqual(missing, [], "sections named that are not headings of their file");
  });

  it("resolves every link between the documents to a file and a heading that exist", () => {
    const broken: string[] = [];
    let links = 0;
    for (const doc of documents()) {
      const text = fs.readFileSync(path.join(ROOT, doc), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        links++;
        const [file, hash] = target.split("#");
        const resolved = file ? path.normalize(path.join(path.dirname(doc), file)) : doc;
        if (!fs.existsSync(path.join(ROOT, resolved))) broken.push(`${doc}: ${target} (no file ${resolved})`);
        else if (hash && resolved.endsWith(".md") && !headings(resolved).map(anchor).includes(hash))
          broken.push(`${doc}: ${target} (no heading #${hash} in ${resolved})`);
      }
    }
    assert.ok(links >= 10, `only ${links} links found`);
    assert.deepStrictEqual(broken, []);
  });

  it("fails a link to a heading that is not there (the checker can fail)", () => {
    assert.ok(!headings("docs/runbooks.md").map(anchor).includes("moving-the-volume"));
    assert.ok(headings("docs/runbooks.md").map(anchor).includes("moving-the-volumes"));
  });
});
