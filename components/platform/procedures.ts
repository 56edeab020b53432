// The documents' sections that say how to make a change the program refuses or warns about. Error
// messages and the preview's warnings name them by file and heading; tests/unit/docs.test.ts keeps
// every one an existing heading of its file.

export interface Procedure {
  /** The document, relative to the repository root. */
  readonly doc: string;
  /** A heading of it, exactly. */
  readonly section: string;
}

export const PROCEDURES = {
  movingVolumes: { doc: "docs/runbooks.md", section: "Moving the volumes" },
  resizingZooKeeper: { doc: "docs/runbooks.md", section: "Resizing the ZooKeeper ensemble" },
  scalingRedisCluster: { doc: "docs/runbooks.md", section: "Scaling the Redis Cluster" },
  immutableField: { doc: "docs/runbooks.md", section: "Changing an immutable StatefulSet field" },
  internalPasswords: { doc: "docs/configuration.md", section: "Internal passwords per workload" },
  tls: { doc: "docs/configuration.md", section: "TLS" },
} as const satisfies Record<string, Procedure>;

/** How a message names a procedure: `docs/runbooks.md, "Moving the volumes"`. */
export function procedureRef(p: Procedure): string {
  return `${p.doc}, "${p.section}"`;
}
