// npm run check-workflows (part of `npm run lint`)
// Refuses a workflow that would hand production credentials to code nobody reviewed, and any
// third-party action not pinned to a commit. The protection itself is GitHub's: the environments
// holding prod credentials accept only `main` (see "Repository settings" in docs/pipeline.md). This check
// makes a pull request that tries anyway fail review-time checks, and keeps our own workflows from
// drifting into it.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { runMain } from "./cli";

/** Environments a pull request's code may run in: read-only non-production ones, and prod's preview behind required reviewers. */
export const PULL_REQUEST_ENVIRONMENTS = ["preview-dev", "preview-staging", "preview-prod-approval"];

/** Events that run a pull request's code, or run with secrets on a pull request's behalf. */
const PULL_REQUEST_EVENTS = [
  "pull_request",
  "pull_request_target",
  "pull_request_review",
  "pull_request_review_comment",
  "issue_comment",
  "workflow_run",
];

/** `owner/repo[/path]@<full commit>`: a tag or branch can be moved to other code after review. */
const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;

type Workflow = {
  on?: unknown;
  jobs?: Record<string, Job>;
  runs?: { steps?: { uses?: string }[] };
};

type Job = {
  environment?: string | { name?: string };
  strategy?: { matrix?: Record<string, unknown> };
  steps?: { uses?: string }[];
  uses?: string;
};

function eventsOf(on: unknown): string[] {
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.map(String);
  return on && typeof on === "object" ? Object.keys(on) : [];
}

/**
 * The environments a job may run in: its `environment`, with a `${{ matrix.<key> }}` expanded over
 * the matrix (its lists and `include` entries). undefined when it cannot be told without running.
 */
export function environmentsOf(job: Job): string[] | undefined {
  const raw = typeof job.environment === "object" ? job.environment?.name : job.environment;
  if (raw === undefined) return [];
  if (!raw.includes("${{")) return [raw];
  const m = /^([\w-]*)\$\{\{\s*matrix\.([\w-]+)\s*\}\}([\w-]*)$/.exec(raw);
  const matrix = job.strategy?.matrix;
  if (!m || !matrix || typeof matrix !== "object") return undefined;
  const [, prefix, key, suffix] = m;
  const listed = matrix[key];
  const included = Array.isArray(matrix.include)
    ? (matrix.include as Record<string, unknown>[]).map((i) => i?.[key]).filter((v) => v !== undefined)
    : [];
  if (listed !== undefined && !Array.isArray(listed)) return undefined;
  const values = [...((listed as unknown[]) ?? []), ...included];
  if (!values.length || values.some((v) => typeof v !== "string" || v.includes("${{"))) return undefined;
  return values.map((v) => `${prefix}${v}${suffix}`);
}

/** Every `uses:` of a workflow or composite action that is not pinned to a commit. */
function unpinned(doc: Workflow): string[] {
  const steps = [...Object.values(doc.jobs ?? {}).flatMap((j) => j.steps ?? []), ...(doc.runs?.steps ?? [])];
  const uses = [...steps.map((s) => s.uses), ...Object.values(doc.jobs ?? {}).map((j) => j.uses)];
  return uses.filter((u): u is string => !!u && !u.startsWith("./") && !u.startsWith("docker://") && !PINNED.test(u));
}

/** What is wrong with one workflow or composite action file (`name` for the messages), or nothing. */
export function workflowProblems(name: string, text: string): string[] {
  const doc = yaml.load(text) as Workflow | undefined;
  if (!doc || typeof doc !== "object") return [`${name}: not a YAML mapping`];
  const problems = unpinned(doc).map(
    (u) =>
      `${name}: "${u}" is not pinned to a commit; use <owner>/<repo>@<40-hex commit> # <version> (a tag can be moved to other code)`,
  );
  const events = eventsOf(doc.on);
  const fromPullRequests = events.filter((e) => PULL_REQUEST_EVENTS.includes(e));
  if (!fromPullRequests.length) return problems;
  if (events.includes("pull_request_target"))
    problems.push(
      `${name}: pull_request_target runs with the repository's secrets and a write token on behalf of any pull request; use pull_request`,
    );
  for (const [id, job] of Object.entries(doc.jobs ?? {})) {
    if (job.uses?.startsWith("./"))
      problems.push(
        `${name}: job ${id} calls ${job.uses} from a ${fromPullRequests.join("/")} trigger; inline its jobs so their environments can be checked`,
      );
    const envs = environmentsOf(job);
    if (envs === undefined) {
      problems.push(
        `${name}: job ${id} runs on ${fromPullRequests.join("/")} in an environment this check cannot resolve (${JSON.stringify(job.environment)}); name it, or take it from a matrix list`,
      );
      continue;
    }
    for (const e of envs.filter((e) => !PULL_REQUEST_ENVIRONMENTS.includes(e)))
      problems.push(
        `${name}: job ${id} runs on ${fromPullRequests.join("/")} in environment "${e}": a pull request's code would get its credentials before review. Pull requests may use only ${PULL_REQUEST_ENVIRONMENTS.join(", ")}`,
      );
  }
  return problems;
}

/** The files the check reads: every workflow and every composite action of the repository. */
export function workflowFiles(root: string): string[] {
  const dir = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d) : []);
  const workflows = path.join(root, ".github", "workflows");
  const actions = path.join(root, ".github", "actions");
  return [
    ...dir(workflows)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => path.join(workflows, f)),
    ...dir(actions)
      .map((a) => path.join(actions, a, "action.yml"))
      .filter((f) => fs.existsSync(f)),
  ];
}

async function main(): Promise<void> {
  const root = path.join(__dirname, "..", "..");
  const problems = workflowFiles(root).flatMap((f) =>
    workflowProblems(path.relative(root, f), fs.readFileSync(f, "utf8")),
  );
  if (problems.length) throw new Error(problems.join("\n"));
}

if (require.main === module) runMain(main);
