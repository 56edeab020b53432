// Which volumes already in the cluster share this stack's storage root, and the refusal naming them.
import * as assert from "assert";
import { StorageRoot, VolumeObject, nested, rootConflict } from "../../../components/storage/storage-root-logic";

const nfsRoot: StorageRoot = { kind: "nfs", server: "nfs.example.internal", path: "/exports/middleware" };
const localRoot: StorageRoot = { kind: "local", node: "node-1", path: "/var/lib/middleware" };
const nfsVolume = (name: string, path: string, namespace?: string, server = "nfs.example.internal"): VolumeObject => ({
  metadata: { name },
  spec: { nfs: { server, path }, ...(namespace ? { claimRef: { namespace } } : {}) },
});
const localVolume = (name: string, path: string, node: string | undefined, namespace: string): VolumeObject => ({
  metadata: { name },
  spec: {
    local: { path },
    claimRef: { namespace },
    ...(node
      ? {
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", values: [node] }] }],
            },
          },
        }
      : {}),
  },
});

describe("storage root shared with another stack", () => {
  for (const [a, b, expected] of [
    ["/exports/mw", "/exports/mw", true],
    ["/exports/mw/", "/exports/mw", true],
    ["/exports/mw/zookeeper-0", "/exports/mw", true],
    ["/exports", "/exports/mw", true],
    ["/exports/mw-e2e", "/exports/mw", false],
    ["/exports/other", "/exports/mw", false],
    ["/", "/exports/mw", true],
  ] as const) {
    it(`${a} and ${b} ${expected ? "overlap" : "do not overlap"}`, () => assert.strictEqual(nested(a, b), expected));
  }

  it("lets through a root that holds only this stack's volumes, or volumes elsewhere", () => {
    const volumes = [
      nfsVolume("middleware-dev-zookeeper-0", "/exports/middleware/zookeeper-0", "middleware-dev"),
      nfsVolume("middleware-dev-zookeeper-root", "/exports/middleware", "middleware-dev"),
      nfsVolume("staging-zookeeper-0", "/exports/middleware-staging/zookeeper-0", "middleware-staging"),
      nfsVolume("other-server", "/exports/middleware/zookeeper-0", "middleware-staging", "nfs2.example.internal"),
      localVolume("local-elsewhere", "/var/lib/middleware/zookeeper-0", "node-2", "middleware-staging"),
    ];
    assert.strictEqual(rootConflict({ namespace: "middleware-dev", root: nfsRoot }, volumes), undefined);
    assert.strictEqual(rootConflict({ namespace: "middleware-dev", root: localRoot }, volumes), undefined);
  });

  it("names each foreign volume in or around the root, its directory and its owner, and the fix", () => {
    const volumes = [
      nfsVolume("middleware-staging-zookeeper-0", "/exports/middleware/zookeeper-0", "middleware-staging"),
      nfsVolume("legacy", "/exports", undefined),
      nfsVolume("middleware-dev-zookeeper-0", "/exports/middleware/zookeeper-0", "middleware-dev"),
    ];
    assert.strictEqual(
      rootConflict({ namespace: "middleware-dev", root: nfsRoot }, volumes),
      "storage.nfs.path: /exports/middleware on nfs.example.internal already holds volumes that are not this stack's: " +
        "middleware-staging-zookeeper-0 (/exports/middleware/zookeeper-0, claimed from namespace middleware-staging), legacy (/exports, unclaimed). " +
        "Two stacks on one root share data directories, each starting on the other's data. Give this stack a root of its own; " +
        "if those volumes are left from a destroyed stack, keep what you need from their directories and delete them (kubectl delete pv <name>)",
    );
  });

  it("counts a local volume on the root's node, or one pinned to no node, and shortens a long list", () => {
    const volumes = [
      localVolume("unpinned", "/var/lib/middleware/redis-0", undefined, "middleware-e2e"),
      ...[0, 1, 2, 3, 4, 5].map((i) =>
        localVolume(`e2e-${i}`, `/var/lib/middleware/redis-cluster-${i}`, "node-1", "middleware-e2e"),
      ),
    ];
    const refusal = rootConflict({ namespace: "middleware-local", root: localRoot }, volumes)!;
    assert.ok(
      refusal.startsWith(
        "storage.local.path: /var/lib/middleware on node node-1 already holds volumes that are not this stack's: unpinned (/var/lib/middleware/redis-0, claimed from namespace middleware-e2e), e2e-0 ",
      ),
      refusal,
    );
    assert.match(refusal, /e2e-3 \([^)]*\) and 2 more\. Two stacks/);
  });
});
