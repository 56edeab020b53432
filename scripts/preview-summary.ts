// Turns a preview's engine event log into the markdown a reviewer reads on the pull request.
// Pure: tested on event logs without the engine.

/** The parts of Pulumi engine events (`--event-log`, one JSON object per line) this summary reads. */
export interface EngineEvent {
  resourcePreEvent?: { metadata: { op: string; urn: string; type: string } };
  summaryEvent?: { resourceChanges?: Record<string, number> };
  /** enforcementLevel is "mandatory", "warning" (advisory), "remediate" or "none" (apitype.PolicyEvent). */
  policyEvent?: { resourceUrn?: string; message: string; policyName: string; policyPackName: string; enforcementLevel: string };
  diagnosticEvent?: { urn?: string; message: string; severity: string };
}

export function parseEventLog(text: string): EngineEvent[] {
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as EngineEvent);
}

export const commentMarker = (stack: string) => `<!-- middleware-preview:${stack} -->`;

const nameOf = (urn?: string) => (urn ? urn.split("::").pop() ?? urn : "(stack)");
const escape = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

export interface PreviewSummary {
  readonly markdown: string;
  readonly mandatoryViolations: number;
  readonly errors: number;
}

export function renderPreview(stack: string, events: readonly EngineEvent[], diffText: string, succeeded: boolean): PreviewSummary {
  const changes = events.map((e) => e.resourcePreEvent?.metadata).filter((m): m is NonNullable<typeof m> => !!m && m.op !== "same" && m.op !== "read");
  const summary = events.find((e) => e.summaryEvent)?.summaryEvent?.resourceChanges ?? {};
  const policy = events.map((e) => e.policyEvent).filter((p): p is NonNullable<typeof p> => !!p);
  const mandatory = policy.filter((p) => p.enforcementLevel === "mandatory");
  const errors = events.map((e) => e.diagnosticEvent).filter((d): d is NonNullable<typeof d> => !!d && d.severity === "error");
  const counts = Object.entries(summary).filter(([, n]) => n > 0).map(([op, n]) => `${n} ${op}`).join(", ") || "no changes";
  const verdict = !succeeded || mandatory.length || errors.length ? "**fails**" : "passes";
  const lines = [
    commentMarker(stack),
    `### Preview of \`${stack}\`: ${verdict}`,
    "",
    `Changes: ${counts}. Policy: ${mandatory.length} mandatory violation(s), ${policy.length - mandatory.length} advisory.`,
    "",
  ];
  if (changes.length) {
    lines.push("| change | resource | type |", "|---|---|---|", ...changes.map((c) => `| ${c.op} | \`${escape(nameOf(c.urn))}\` | \`${c.type}\` |`), "");
  }
  if (policy.length) {
    lines.push("**Policy results**", "", ...policy.map((p) => `- ${p.enforcementLevel === "mandatory" ? "MANDATORY" : "advisory"} \`${p.policyName}\` on \`${escape(nameOf(p.resourceUrn))}\`: ${escape(p.message)}`), "");
  }
  if (errors.length) lines.push("**Errors**", "", ...errors.map((d) => `- ${escape(d.message)}`), "");
  // GitHub comments hold 65536 characters; the diff is what gets cut.
  const room = 60000 - lines.join("\n").length;
  const diff = diffText.length > room ? `${diffText.slice(0, Math.max(0, room))}\n... (diff cut; see the job log)` : diffText;
  lines.push("<details><summary>Full diff</summary>", "", "```diff", diff.trimEnd(), "```", "</details>");
  return { markdown: lines.join("\n") + "\n", mandatoryViolations: mandatory.length, errors: errors.length };
}
