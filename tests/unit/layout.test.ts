// The house rules of components/ (docs/layout.md): folders by domain, each importing only from the
// folders before it in ORDER, and logic modules that load nothing from Pulumi (the dynamic-provider
// host loads them on their own). Read from the sources, so a move that breaks a rule fails here.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../harness/stack-files";

const COMPONENTS = path.join(ROOT, "components");

/** Lowest first: a folder may import from itself and from folders before it, never after. */
const ORDER = [
  "config",
  "provider-kit",
  "platform",
  "storage",
  "tls",
  "health",
  "observability",
  "workload",
  "zookeeper",
  "redis",
  "redis/cluster",
  "redis/sentinel",
  "stack",
  ".",
];

/** The registry of logic modules: type-only imports of every domain, so tsc checks loadLogic's names. */
const REGISTRY = "provider-kit/logic-modules.ts";

/** Every .ts file under a directory, relative to it. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return sources(path.join(dir, e.name)).map((f) => `${e.name}/${f}`);
    return e.name.endsWith(".ts") ? [e.name] : [];
  });
}

/** The module specifiers a file names: imports, re-exports, require() and import() (types included). */
export function specifiers(text: string): string[] {
  const found: string[] = [];
  const pattern =
    /\bfrom\s+"([^"]+)"|\brequire\(\s*"([^"]+)"\s*\)|\bimport\(\s*"([^"]+)"\s*\)|^\s*import\s+"([^"]+)"/gm;
  for (const m of text.matchAll(pattern)) found.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return found;
}

/** The file a relative specifier names, or undefined for a package. */
function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  const file = [`${base}.ts`, path.join(base, "index.ts"), base].find(
    (f) => fs.existsSync(f) && fs.statSync(f).isFile(),
  );
  assert.ok(file, `${path.relative(ROOT, from)} imports ${spec}, which names no file`);
  return file;
}

const folderOf = (file: string) => path.dirname(path.relative(COMPONENTS, file));

describe("the layout of components/", () => {
  const files = sources(COMPONENTS).map((f) => path.join(COMPONENTS, f));

  it("places every folder in the import order", () => {
    const unplaced = [...new Set(files.map(folderOf))].filter((f) => !ORDER.includes(f));
    assert.deepStrictEqual(unplaced, [], "folders missing from ORDER (and from docs/layout.md)");
  });

  it("imports only from the same folder or one before it (no upward import, no cycle between folders)", () => {
    const upward: string[] = [];
    for (const file of files) {
      const rel = path.relative(COMPONENTS, file);
      if (rel === REGISTRY) continue;
      const from = ORDER.indexOf(folderOf(file));
      for (const spec of specifiers(fs.readFileSync(file, "utf8"))) {
        const target = resolve(file, spec);
        if (!target?.startsWith(COMPONENTS + path.sep)) continue;
        if (ORDER.indexOf(folderOf(target)) > from) upward.push(`${rel} -> ${path.relative(COMPONENTS, target)}`);
      }
    }
    assert.deepStrictEqual(upward, []);
  });

  it("keeps every logic module, and all it imports, free of Pulumi", () => {
    const registry = fs.readFileSync(path.join(COMPONENTS, REGISTRY), "utf8");
    const logic = [...registry.matchAll(/^\s*"([^"]+)": typeof import/gm)].map((m) =>
      path.join(COMPONENTS, `${m[1]}.ts`),
    );
    assert.ok(logic.length >= 10, `the registry lists ${logic.length} logic modules`);
    for (const entry of logic) {
      const seen = new Set<string>();
      const pulumi: string[] = [];
      const visit = (file: string, via: string[]) => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const spec of specifiers(fs.readFileSync(file, "utf8"))) {
          if (spec.startsWith("@pulumi/")) pulumi.push([...via, path.relative(ROOT, file), spec].join(" -> "));
          const target = resolve(file, spec);
          if (target) visit(target, [...via, path.relative(ROOT, file)]);
        }
      };
      visit(entry, []);
      assert.deepStrictEqual(pulumi, [], `${path.relative(ROOT, entry)} loads Pulumi`);
    }
  });

  it("reads every kind of import the rules depend on", () => {
    const text = [
      'import * as a from "./a";',
      'import type { B } from "../b";',
      'export { C } from "./c";',
      'const d = require("./d");',
      'type E = typeof import("./e");',
      'import "./f";',
    ].join("\n");
    assert.deepStrictEqual(specifiers(text), ["./a", "../b", "./c", "./d", "./e", "./f"]);
  });
});
