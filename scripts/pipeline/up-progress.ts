// The compact view of `pulumi up` a person reads: one line per resource step as it finishes, with a
// running count, what failed and why, policy violations, and the totals. Built from the engine's
// events, so nothing depends on the CLI's own text layout. Pure: the tests feed it events without
// the engine; pulumiCompact (pulumi-cli.ts) feeds it those the CLI streams during a run.

/** The parts of Pulumi engine events (apitype.EngineEvent) this view reads. */
export interface UpEvent {
  timestamp?: number;
  resourcePreEvent?: { metadata: StepMeta; planning?: boolean };
  resOutputsEvent?: { metadata: StepMeta; planning?: boolean };
  resOpFailedEvent?: { metadata: StepMeta };
  diagnosticEvent?: { urn?: string; message: string; severity: string; ephemeral?: boolean };
  policyEvent?: { resourceUrn?: string; message: string; policyName: string; enforcementLevel: string };
  summaryEvent?: { durationSeconds?: number; resourceChanges?: Record<string, number>; isPreview?: boolean };
}

interface StepMeta {
  op: string;
  urn: string;
  type: string;
  /** The resource's state before and after the step; `custom` is false for components. */
  old?: { custom?: boolean } | null;
  new?: { custom?: boolean } | null;
}

/** Past tense of each engine step op, as the line that ends the step says it. */
const DONE: Record<string, string> = {
  create: "created",
  update: "updated",
  delete: "deleted",
  replace: "replaced",
  "create-replacement": "created replacement",
  "delete-replaced": "deleted original",
  read: "read",
  refresh: "refreshed",
  same: "unchanged",
  import: "imported",
  "discard-replaced": "discarded",
  "remove-pending-replace": "removed pending",
};

const nameOf = (urn?: string) => (urn ? (urn.split("::").pop() ?? urn) : "");
/** kubernetes:apps/v1:StatefulSet -> StatefulSet; pulumi-nodejs:dynamic:Resource -> dynamic. */
const kindOf = (type: string) =>
  type.startsWith("kubernetes:") ? type.split(":").pop()! : type.startsWith("pulumi-nodejs:dynamic") ? "dynamic" : type;
/** Steps on real objects: not the stack, not a provider, not a component (which only groups). */
const counted = (m: StepMeta) => !m.type.startsWith("pulumi:") && (m.new?.custom ?? m.old?.custom ?? false);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export interface ProgressOptions {
  /** Also list the resources that did not change. Defaults to false. */
  readonly verbose?: boolean;
}

export class UpProgress {
  private readonly started = new Map<string, number>();
  /** The steps the count runs up to: real objects that change (and, verbose, those that do not). */
  private readonly planned = new Set<string>();
  private readonly policyLines = new Set<string>();
  private done = 0;
  private failed = 0;
  private readonly verbose: boolean;

  constructor(opts: ProgressOptions = {}) {
    this.verbose = opts.verbose ?? false;
  }

  /** The lines one event adds to the view (often none). */
  handle(e: UpEvent, now = e.timestamp ? e.timestamp * 1000 : Date.now()): string[] {
    if (e.resourcePreEvent) {
      // `up` previews first (planning): its steps are the total the count runs up to. Without a
      // preview (destroy, --skip-preview) each step joins the total as it starts.
      const m = e.resourcePreEvent.metadata;
      if (!this.shown(m)) return [];
      this.planned.add(m.urn);
      if (!e.resourcePreEvent.planning) this.started.set(m.urn, now);
      return [];
    }
    if (e.resOutputsEvent && !e.resOutputsEvent.planning) {
      const m = e.resOutputsEvent.metadata;
      if (!this.shown(m)) return [];
      this.done++;
      return [this.line(m, DONE[m.op] ?? m.op, now)];
    }
    if (e.resOpFailedEvent) {
      const m = e.resOpFailedEvent.metadata;
      this.failed++;
      return [this.line(m, `FAILED to ${m.op}`, now)];
    }
    if (e.diagnosticEvent) return this.diagnostic(e.diagnosticEvent);
    if (e.policyEvent) {
      const p = e.policyEvent;
      // The engine runs the pack on the preview, with values not yet known, and again on the update:
      // a policy that could not judge an unknown value says so, then judges the real one.
      if (/^can't run policy .* during preview/.test(p.message)) return [];
      const level = p.enforcementLevel === "mandatory" ? "MANDATORY" : "advisory";
      const line = `policy ${level} ${p.policyName}${p.resourceUrn ? ` on ${nameOf(p.resourceUrn)}` : ""}: ${p.message
        .trim()
        .replace(/\s*\n\s*/g, " ")}`;
      if (this.policyLines.has(line)) return [];
      this.policyLines.add(line);
      return [line];
    }
    if (e.summaryEvent) {
      const changes = Object.entries(e.summaryEvent.resourceChanges ?? {}).filter(([, n]) => n > 0);
      if (e.summaryEvent.isPreview)
        return [
          `Plan: ${changes.map(([op, n]) => `${n} ${op === "same" ? "unchanged" : `to ${op}`}`).join(", ") || "nothing"}`,
        ];
      const done = changes.map(([op, n]) => `${n} ${DONE[op] ?? op}`);
      const took = e.summaryEvent.durationSeconds !== undefined ? ` in ${e.summaryEvent.durationSeconds}s` : "";
      return [`Resources: ${done.join(", ") || "none"}${this.failed ? `, ${this.failed} failed` : ""}${took}`];
    }
    return [];
  }

  /** Steps still running at `now` and for how long, longest first: what a heartbeat line names. */
  running(now = Date.now()): string[] {
    return [...this.started.entries()]
      .sort((a, b) => a[1] - b[1])
      .map(([urn, t]) => `${nameOf(urn)} (${seconds(now - t)})`);
  }

  private shown(m: StepMeta): boolean {
    return counted(m) && (m.op !== "same" || this.verbose);
  }

  private line(m: StepMeta, what: string, now: number): string {
    const t0 = this.started.get(m.urn);
    this.started.delete(m.urn);
    const total = Math.max(this.planned.size, this.done);
    const count = `[${String(this.done).padStart(String(total).length)}/${total}]`;
    return `${count} ${what} ${kindOf(m.type)} ${nameOf(m.urn)}${t0 !== undefined ? ` (${seconds(now - t0)})` : ""}`;
  }

  private diagnostic(d: NonNullable<UpEvent["diagnosticEvent"]>): string[] {
    if (d.ephemeral || d.severity === "debug" || d.severity === "info#err") return [];
    const text = d.message.replace(/\s+$/, "");
    if (!text) return [];
    // What a program or provider says to the user (our checks' "ok ..." lines) stays as said.
    if (d.severity === "info") return text.split("\n").map((l) => `  ${nameOf(d.urn) || "info"}: ${l}`);
    return [`${d.severity}${d.urn ? ` (${nameOf(d.urn)})` : ""}: ${text}`];
  }
}
