// Reading and comparing what each Redis Cluster node believes. No Pulumi import.
import Redis from "ioredis";
import { toRanges } from "./slot-plan";
import { ClusterNodeEntry, parseClusterNodes } from "./cluster-nodes";
import { parseInfo } from "../redis-client";

export interface ClusterMember {
  readonly endpoint: string;
  readonly client: Redis;
}

export interface NodeView {
  readonly endpoint: string;
  readonly info: Map<string, string>;
  readonly nodes: ClusterNodeEntry[];
}

export async function readView(m: ClusterMember): Promise<NodeView> {
  const [info, nodes] = await Promise.all([m.client.call("CLUSTER", "INFO"), m.client.call("CLUSTER", "NODES")]);
  return { endpoint: m.endpoint, info: parseInfo(String(info)), nodes: parseClusterNodes(String(nodes)) };
}

/** The configuration a node believes in: who serves which slots and who replicates whom. */
export function configSignature(nodes: readonly ClusterNodeEntry[]): string {
  return nodes
    .filter((n) => !n.flags.includes("handshake"))
    .map(
      (n) =>
        `${n.id} ${n.masterId ? `replica-of ${n.masterId}` : "master"} ${toRanges(n.slots)
          .map(([a, b]) => `${a}-${b}`)
          .join(",")}`,
    )
    .sort()
    .join("\n");
}

/** Problems that keep the nodes from being one healthy, agreed cluster; empty when there are none. */
export function disagreement(views: readonly NodeView[]): string[] {
  const problems: string[] = [];
  for (const v of views) {
    if (v.info.get("cluster_state") !== "ok")
      problems.push(`${v.endpoint} reports cluster_state:${v.info.get("cluster_state")}`);
  }
  const signatures = new Map<string, string[]>();
  for (const v of views) {
    const sig = configSignature(v.nodes);
    signatures.set(sig, [...(signatures.get(sig) ?? []), v.endpoint]);
  }
  if (signatures.size > 1) {
    problems.push(
      `nodes disagree on the configuration: ${[...signatures.values()].map((eps) => `[${eps.join(", ")}]`).join(" vs ")}`,
    );
  }
  return problems;
}

/**
 * Waits until every node reports cluster_state:ok and all hold the same configuration; returns the
 * agreed views. Polls the cheap CLUSTER INFO until every node is ok, and only then reads the full
 * configuration, so the moment the cluster turns ok is noticed within a few milliseconds.
 */
export async function waitForAgreement(members: readonly ClusterMember[], timeoutMs: number): Promise<NodeView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const infos = await Promise.all(members.map((m) => m.client.call("CLUSTER", "INFO")));
    const expired = Date.now() > deadline;
    if (expired || infos.every((i) => String(i).includes("cluster_state:ok"))) {
      const views = await Promise.all(members.map(readView));
      const problems = disagreement(views);
      if (problems.length === 0) return views;
      if (expired)
        throw new Error(`the cluster did not converge within ${timeoutMs} ms:\n  - ${problems.join("\n  - ")}`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}
