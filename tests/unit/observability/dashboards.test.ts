// The dashboards (components/observability/dashboards.ts): the files shipped are the ones the code
// makes, each is a Grafana dashboard with its data source and namespace variables, and every query
// in them is PromQL that Prometheus's own checker accepts. That each returns data from a live
// stack is the e2e suite's part.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dashboardFiles, dashboardQueries } from "../../../components/observability/dashboards";
import { DASHBOARDS_DIR } from "../../../scripts/pipeline/dashboards";
import { run } from "../../../harness/processes";

describe("dashboards", () => {
  it("ships the generated files: deploy/monitoring/dashboards is `npm run dashboards`", () => {
    const shipped = Object.fromEntries(
      fs.readdirSync(DASHBOARDS_DIR).map((f) => [f, fs.readFileSync(path.join(DASHBOARDS_DIR, f), "utf8")]),
    );
    assert.deepStrictEqual(shipped, dashboardFiles(), "run: npm run --silent dashboards");
  });

  it("gives each dashboard a data source and the stack namespace to choose, and every panel a query", () => {
    for (const [file, text] of Object.entries(dashboardFiles())) {
      const d = JSON.parse(text);
      assert.deepStrictEqual(
        d.templating.list.map((v: any) => v.name),
        ["datasource", "namespace"],
        file,
      );
      assert.strictEqual(new Set(d.panels.map((p: any) => p.id)).size, d.panels.length, `${file}: panel ids`);
      for (const p of d.panels) {
        assert.ok(p.targets.length > 0, `${file}: ${p.title} has no query`);
        for (const t of p.targets) assert.match(t.expr, /namespace="\$namespace"/, `${file}: ${p.title}`);
      }
    }
  });

  it("has only queries promtool accepts (each checked as a recording rule)", async () => {
    const queries = dashboardQueries();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboards-"));
    try {
      const rules = path.join(dir, "queries.yml");
      const group = {
        name: "dashboard-queries",
        rules: queries.map((x, i) => ({ record: `dashboard:query:${i}`, expr: x.expr.replace(/\$namespace/g, "ns") })),
      };
      fs.writeFileSync(rules, JSON.stringify({ groups: [group] }));
      const r = await run("promtool", ["check", "rules", rules]);
      assert.strictEqual(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`SUCCESS: ${queries.length} rules found`));
      // The checker can fail: a query with a syntax error does not pass.
      fs.writeFileSync(
        rules,
        JSON.stringify({ groups: [{ ...group, rules: [{ record: "x:y", expr: "rate(redis_up[1m]" }] }] }),
      );
      assert.notStrictEqual((await run("promtool", ["check", "rules", rules])).code, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
