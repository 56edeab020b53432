// npm run pr-comment -- --stack <name> --file preview.md
// Creates the pull request's comment for this stack, or updates it: one comment per stack, found by
// its marker among the workflow's own comments (never one someone else wrote with the marker). Needs GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY and PR_NUMBER (Actions sets them).
import * as fs from "fs";
import { options, runMain } from "./cli";
import { commentMarker } from "./preview-summary";

export interface CommentTarget {
  readonly apiUrl: string;
  readonly repository: string;
  readonly pr: number;
  readonly token: string;
  /** Login the workflow's token comments as; only its comments are ever updated. Defaults to github-actions[bot]. */
  readonly author?: string;
}

/** The account GITHUB_TOKEN acts as in Actions. */
export const ACTIONS_BOT = "github-actions[bot]";

async function github<T = unknown>(t: CommentTarget, method: string, url: string, body?: object): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${t.token}`,
      accept: "application/vnd.github+json",
      "content-type": "application/json",
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/** Updates the comment carrying this stack's marker, or creates it; returns what it did. */
export async function upsertComment(t: CommentTarget, stack: string, markdown: string): Promise<"created" | "updated"> {
  const marker = commentMarker(stack);
  const body = markdown.startsWith(marker) ? markdown : `${marker}\n${markdown}`;
  for (let page = 1; ; page++) {
    const comments = await github<{ id: number; body?: string; user?: { login?: string } }[]>(
      t,
      "GET",
      `${t.apiUrl}/repos/${t.repository}/issues/${t.pr}/comments?per_page=100&page=${page}`,
    );
    // The marker alone proves nothing: anyone can post a comment that starts with it.
    const mine = comments.find((c) => c.body?.startsWith(marker) && c.user?.login === (t.author ?? ACTIONS_BOT));
    if (mine) {
      await github(t, "PATCH", `${t.apiUrl}/repos/${t.repository}/issues/comments/${mine.id}`, { body });
      return "updated";
    }
    if (comments.length < 100) break;
  }
  await github(t, "POST", `${t.apiUrl}/repos/${t.repository}/issues/${t.pr}/comments`, { body });
  return "created";
}

async function main(): Promise<void> {
  const need = (k: string) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is not set; this runs inside a GitHub Actions pull_request job`);
    return v;
  };
  const usage = "npm run pr-comment -- --stack <name> --file <markdown>";
  const { stack, file } = options(usage, ["stack", "file"]);
  if (!stack || !file) throw new Error(`usage: ${usage}`);
  const target = {
    apiUrl: need("GITHUB_API_URL"),
    repository: need("GITHUB_REPOSITORY"),
    pr: Number(need("PR_NUMBER")),
    token: need("GITHUB_TOKEN"),
  };
  console.log(`preview comment for ${stack}: ${await upsertComment(target, stack, fs.readFileSync(file, "utf8"))}`);
}

if (require.main === module) runMain(main);
