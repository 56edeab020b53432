// Follows pods' logs across restarts and deletions. A deleted pod's log goes with it, and what a
// stopping pod says last (its preStop hook) is in no later `kubectl logs`; a scenario that loses
// writes during a roll needs exactly those lines to say why.
import { ChildProcess } from "child_process";
import { Kubectl } from "./cluster";

const KEPT_LINES = 5000;

export class PodLogs {
  private readonly lines = new Map<string, string[]>();
  private readonly children = new Set<ChildProcess>();
  private stopped = false;

  constructor(
    private readonly kubectl: Kubectl,
    private readonly namespace: string,
    private readonly pods: readonly string[],
    private readonly container: string,
  ) {}

  start(): this {
    for (const pod of this.pods) this.follow(pod, new Date().toISOString());
    return this;
  }

  stop(): void {
    this.stopped = true;
    for (const child of this.children) child.kill();
  }

  /** Each pod's lines since `sinceMs` that match `pattern`, under a `--- <pod>` heading. */
  text(sinceMs: number, pattern: RegExp): string[] {
    return this.pods.flatMap((pod) => [
      `--- ${pod} (${this.container})`,
      ...(this.lines.get(pod) ?? []).filter((l) => Date.parse(l.split(" ")[0]) >= sinceMs && pattern.test(l)),
    ]);
  }

  /** One `logs -f` per container incarnation; when it ends (pod deleted, restarted) the next one starts. */
  private follow(pod: string, sinceTime: string): void {
    if (this.stopped) return;
    const child = this.kubectl.spawn([
      "-n",
      this.namespace,
      "logs",
      "-f",
      pod,
      "-c",
      this.container,
      "--timestamps",
      `--since-time=${sinceTime}`,
    ]);
    this.children.add(child);
    let last = sinceTime;
    let partial = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      const kept = this.lines.get(pod) ?? [];
      for (const line of lines) {
        if (line.slice(0, last.length) < last) continue; // already read before a reconnect
        kept.push(line);
        last = line.split(" ")[0] || last;
      }
      this.lines.set(pod, kept.slice(-KEPT_LINES));
    });
    child.on("close", () => {
      this.children.delete(child);
      setTimeout(() => this.follow(pod, last), 1000).unref();
    });
  }
}
