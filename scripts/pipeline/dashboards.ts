// Writes the dashboards (components/observability/dashboards.ts) to deploy/monitoring/dashboards/,
// one Grafana JSON file each, and removes any file there that is no longer one of them;
// tests/unit/dashboards.test.ts keeps that folder current. Usage: npm run --silent dashboards
import * as fs from "fs";
import * as path from "path";
import { dashboardFiles } from "../../components/observability/dashboards";

export const DASHBOARDS_DIR = path.join(__dirname, "..", "..", "deploy", "monitoring", "dashboards");

if (require.main === module) {
  const files = dashboardFiles();
  fs.mkdirSync(DASHBOARDS_DIR, { recursive: true });
  for (const old of fs.readdirSync(DASHBOARDS_DIR)) if (!(old in files)) fs.rmSync(path.join(DASHBOARDS_DIR, old));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(DASHBOARDS_DIR, name), text);
  console.log(`dashboards: ${Object.keys(files).join(", ")} in ${path.relative(process.cwd(), DASHBOARDS_DIR)}`);
}
