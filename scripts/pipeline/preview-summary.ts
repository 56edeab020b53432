// Turns a preview's engine event log into the markdown a reviewer reads on the pull request.
// Pure: tested on event logs without the engine.
import { PROCEDURES, procedureRef } from "../../components/platform/procedures";

/**
 * The parts of Pulumi engine events this summary reads: `pulumi preview --json` streams them one
 * JSON object per line when PULUMI_ENABLE_STREAMING_JSON_PREVIEW is set.
 */
export interface EngineEvent {
  resourcePreEvent?: { metadata: StepMetadata };
  summaryEvent?: { resourceChanges?: Record<string, number> };
  /** enforcementLevel is "mandatory", "warning" (advisory), "remediate" or "none" (apitype.PolicyEvent). */
  policyEvent?: {
    resourceUrn?: string;
    message: string;
    policyName: string;
    policyPackName: string;
    enforcementLevel: string;
  };
  diagnosticEvent?: { urn?: string; message: string; severity: string };
}

export interface StepMetadata {
  op: string;
  urn: string;
  type: string;
  /** Changed property paths, each with its kind ("update", "delete", "*-replace"; absent for "add"). */
  detailedDiff?: Record<string, { kind?: string }> | null;
  diffs?: string[] | null;
}

export function parseEventLog(text: string): EngineEvent[] {
  return text
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as EngineEvent);
}

const SYMBOL: Record<string, string> = {
  create: "+",
  update: "~",
  delete: "-",
  replace: "+-",
  "create-replacement": "++",
  "delete-replaced": "--",
};

/** The preview's changes as diff lines: one per resource, with the properties that change. */
export function diffLines(events: readonly EngineEvent[]): string {
  const steps = events
    .map((e) => e.resourcePreEvent?.metadata)
    .filter((m): m is StepMetadata => !!m && m.op !== "same" && m.op !== "read");
  return (
    steps
      .map((m) => {
        const fields = m.detailedDiff
          ? Object.entries(m.detailedDiff).map(([k, d]) => (d.kind?.endsWith("replace") ? `${k} (forces replace)` : k))
          : (m.diffs ?? []);
        return `${SYMBOL[m.op] ?? m.op} ${m.type} ${nameOf(m.urn)}${fields.length ? `: ${fields.join(", ")}` : ""}`;
      })
      .join("\n") + "\n"
  );
}

export const commentMarker = (stack: string) => `<!-- middleware-preview:${stack} -->`;

const nameOf = (urn?: string) => (urn ? (urn.split("::").pop() ?? urn) : "(stack)");
const escape = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
/** Engine step ops that delete a resource and create it again. */
const REPLACING = ["replace", "create-replacement", "delete-replaced"];

export interface PreviewSummary {
  readonly markdown: string;
  readonly mandatoryViolations: number;
  readonly errors: number;
}

export function renderPreview(
  stack: string,
  events: readonly EngineEvent[],
  diffText: string,
  succeeded: boolean,
): PreviewSummary {
  const changes = events
    .map((e) => e.resourcePreEvent?.metadata)
    .filter((m): m is NonNullable<typeof m> => !!m && m.op !== "same" && m.op !== "read");
  const summary = events.find((e) => e.summaryEvent)?.summaryEvent?.resourceChanges ?? {};
  const policy = events.map((e) => e.policyEvent).filter((p): p is NonNullable<typeof p> => !!p);
  const mandatory = policy.filter((p) => p.enforcementLevel === "mandatory");
  const errors = events
    .map((e) => e.diagnosticEvent)
    .filter((d): d is NonNullable<typeof d> => !!d && d.severity === "error");
  const counts =
    Object.entries(summary)
      .filter(([, n]) => n > 0)
      .map(([op, n]) => `${n} ${op}`)
      .join(", ") || "no changes";
  const verdict = !succeeded || mandatory.length || errors.length ? "**fails**" : "passes";
  const lines = [
    commentMarker(stack),
    `### Preview of \`${stack}\`: ${verdict}`,
    "",
    `Changes: ${counts}. Policy: ${mandatory.length} mandatory violation(s), ${policy.length - mandatory.length} advisory.`,
    "",
  ];
  // A replaced StatefulSet is deleted with every pod, then created again: an outage of the whole
  // workload that reads like any other line in the table, so it gets its own warning.
  const replaced = changes.filter((c) => c.type === STATEFUL_SET && REPLACING.includes(c.op));
  for (const c of new Map(replaced.map((r) => [nameOf(r.urn), r])).values()) {
    const forcing = Object.entries(c.detailedDiff ?? {})
      .filter(([, d]) => d.kind?.endsWith("replace"))
      .map(([k]) => k);
    lines.push(
      `> **Warning: StatefulSet \`${escape(nameOf(c.urn))}\` is replaced**${forcing.length ? ` (${escape(forcing.join(", "))} cannot change in place)` : ""}: ` +
        "all of its pods stop at once and the workload is down until the new one is Ready (the data stays on its volumes). " +
        `To change it without an outage, follow ${procedureRef(PROCEDURES.immutableField)}.`,
      "",
    );
  }
  if (changes.length) {
    lines.push(
      "| change | resource | type |",
      "|---|---|---|",
      ...changes.map((c) => `| ${c.op} | \`${escape(nameOf(c.urn))}\` | \`${c.type}\` |`),
      "",
    );
  }
  if (policy.length) {
    lines.push(
      "**Policy results**",
      "",
      ...policy.map(
        (p) =>
          `- ${p.enforcementLevel === "mandatory" ? "MANDATORY" : "advisory"} \`${p.policyName}\` on \`${escape(nameOf(p.resourceUrn))}\`: ${escape(p.message)}`,
      ),
      "",
    );
  }
  if (errors.length) lines.push("**Errors**", "", ...errors.map((d) => `- ${escape(d.message)}`), "");
  const result = { mandatoryViolations: mandatory.length, errors: errors.length };
  // GitHub comments hold 65536 characters; the diff is what gets cut.
  const room = 60000 - lines.join("\n").length;
  const diff =
    diffText.length > room ? `${diffText.slice(0, Math.max(0, room))}\n... (diff cut; see the job log)` : diffText;
  const fence = codeFence(diff);
  lines.push("<details><summary>Full diff</summary>", "", `${fence}diff`, diff.trimEnd(), fence, "</details>");
  return { markdown: lines.join("\n") + "\n", ...result };
}

/**
 * A backtick fence longer than any backtick run in `text`: a Markdown code block ends only at a
 * fence at least as long as its opening one, so nothing in the diff can close it and inject markup.
 */
export function codeFence(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(Math.max(3, longest + 1));
}
