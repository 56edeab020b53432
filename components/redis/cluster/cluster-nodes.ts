// Parses CLUSTER NODES output. No Pulumi import: used by the providers and the tests alike.

export interface ClusterNodeEntry {
  readonly id: string;
  /** ip:port as the node knows it (ip may be empty before the node met anyone). */
  readonly address: string;
  readonly hostname: string;
  readonly flags: readonly string[];
  /** Master id for a replica; undefined for a master. */
  readonly masterId?: string;
  readonly linkState: string;
  readonly configEpoch: number;
  readonly slots: readonly number[];
  /** Slots this node is migrating to (slot -> target id) or importing from (slot -> source id). */
  readonly migrating: ReadonlyMap<number, string>;
  readonly importing: ReadonlyMap<number, string>;
}

export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((line) => {
      const [id, addr, flags, master, , , epoch, link, ...slotFields] = line.trim().split(" ");
      const [ipPort, ...rest] = addr.split(",");
      const address = ipPort.split("@")[0];
      const slots: number[] = [];
      const migrating = new Map<number, string>();
      const importing = new Map<number, string>();
      for (const f of slotFields) {
        const open = /^\[(\d+)-([<>])-([0-9a-f]+)\]$/.exec(f);
        if (open) {
          (open[2] === ">" ? migrating : importing).set(Number(open[1]), open[3]);
          continue;
        }
        const [a, b] = f.split("-").map(Number);
        for (let s = a; s <= (b ?? a); s++) slots.push(s);
      }
      return {
        id,
        address,
        hostname: rest[0] ?? "",
        flags: flags.split(","),
        masterId: master === "-" ? undefined : master,
        linkState: link,
        configEpoch: Number(epoch),
        slots,
        migrating,
        importing,
      };
    });
}

export function isFailing(n: ClusterNodeEntry): boolean {
  return n.flags.some((f) => f === "fail" || f === "fail?" || f === "noaddr");
}

export function myself(nodes: readonly ClusterNodeEntry[]): ClusterNodeEntry {
  const me = nodes.find((n) => n.flags.includes("myself"));
  if (!me) throw new Error("CLUSTER NODES has no 'myself' entry");
  return me;
}
