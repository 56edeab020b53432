// The deployer account of scripts/pipeline/deployer-rbac.ts, judged by the local cluster's own authorizer
// and admission: what it may do in its namespace, what it may not do anywhere else, and which
// PersistentVolumes the admission policy lets it write. (That it is enough to deploy the whole
// program is proven by every e2e run: scripts/local-stack deploys as this account.)
import * as assert from "assert";
import { Kubectl, clusterEnv, ensureCluster, localCluster } from "../../harness/cluster";
import { removeDeployerAccount } from "../../harness/local-stack";
import { deployerAccount, deployerRbac, volumePolicyName } from "../../scripts/pipeline/deployer-rbac";

const STACK = `rbac${process.pid}`;
const NS = `middleware-${STACK}`;
const OTHER = `middleware-other${process.pid}`;
const ACCOUNTS = `deployers-${process.pid}`;
const ROOT = "/var/lib/middleware-cluster/volumes/rbac-test";
const USER = `system:serviceaccount:${ACCOUNTS}:${deployerAccount(STACK)}`;

describe("the deployer account (scripts/pipeline/deployer-rbac.ts) on the local cluster", function () {
  this.timeout(5 * 60 * 1000);
  let kubectl: Kubectl;
  let startedBySuite = false;

  const can = async (verb: string, resource: string, namespace?: string): Promise<boolean> => {
    // "pods/portforward": kubectl names a subresource with its own flag.
    const [kind, subresource] = resource.split(/\/(?=[a-z]+$)/);
    const r = await kubectl.run([
      "auth",
      "can-i",
      verb,
      subresource && !resource.startsWith("namespace/") ? kind : resource,
      ...(subresource && !resource.startsWith("namespace/") ? ["--subresource", subresource] : []),
      "--as",
      USER,
      ...(namespace ? ["-n", namespace] : []),
    ]);
    return r.stdout.trim() === "yes";
  };
  /**
   * The authorizer's answer for a resource the cluster may not serve (a CRD not installed):
   * `kubectl auth can-i` resolves names through discovery and says no to an unknown one, while a
   * SubjectAccessReview asks RBAC alone.
   */
  const mayWrite = async (verb: string, group: string, resource: string, namespace: string): Promise<boolean> => {
    const review = {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: { user: USER, resourceAttributes: { namespace, verb, group, resource } },
    };
    const out = await kubectl.run(["create", "-o", "json", "-f", "-"], JSON.stringify(review));
    assert.strictEqual(out.code, 0, out.stderr);
    return JSON.parse(out.stdout).status.allowed === true;
  };

  /** A volume as the program declares one, with `edit` applied. */
  const volume = (edit: (spec: Record<string, any>) => void = () => {}, name = `${NS}-zookeeper-0`) => {
    const spec: Record<string, any> = {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      claimRef: { namespace: NS, name: "data-zookeeper-0" },
      local: { path: `${ROOT}/zookeeper-0` },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["middleware-local"] }] },
          ],
        },
      },
    };
    edit(spec);
    return { apiVersion: "v1", kind: "PersistentVolume", metadata: { name }, spec };
  };

  /** Creates `pv` as the deployer with a server-side dry run (authorization and admission, nothing stored). */
  const createAsDeployer = (pv: object) =>
    kubectl.run(["create", "--dry-run=server", "--as", USER, "-f", "-"], JSON.stringify(pv));

  before(async () => {
    startedBySuite = await ensureCluster();
    kubectl = new Kubectl(await clusterEnv());
    const items = deployerRbac({
      stack: STACK,
      namespace: NS,
      storage: { mode: "local", local: { path: ROOT } },
      accountNamespace: ACCOUNTS,
    });
    await kubectl.check(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
    await kubectl.check(["create", "namespace", OTHER]);
  });

  after(async () => {
    if (kubectl) {
      await removeDeployerAccount(kubectl, { stack: STACK, namespace: NS, accountNamespace: ACCOUNTS });
      await kubectl.run(["delete", "namespace", NS, OTHER, ACCOUNTS, "--ignore-not-found", "--wait=false"]);
    }
    if (startedBySuite) await localCluster("down");
  });

  it("has every right the program uses inside its own namespace", async () => {
    for (const [verb, resource] of [
      ["create", "secrets"],
      ["delete", "configmaps"],
      ["patch", "statefulsets.apps"],
      ["create", "jobs.batch"],
      ["create", "poddisruptionbudgets.policy"],
      ["create", "networkpolicies.networking.k8s.io"],
      ["create", "roles.rbac.authorization.k8s.io"],
      ["create", "rolebindings.rbac.authorization.k8s.io"],
      ["create", "serviceaccounts"],
      ["create", "persistentvolumeclaims"],
      ["patch", "pods"],
      ["create", "pods/portforward"],
      // What the provider awaits objects with.
      ["watch", "endpoints"],
      ["watch", "endpointslices.discovery.k8s.io"],
      ["watch", "events"],
    ])
      assert.ok(await can(verb, resource, NS), `${verb} ${resource} in ${NS}`);
    // metrics.prometheusOperator's objects, whether or not this cluster has the operator's CRDs.
    for (const resource of ["podmonitors", "prometheusrules"])
      assert.ok(await mayWrite("create", "monitoring.coreos.com", resource, NS), `create ${resource} in ${NS}`);
    assert.ok(await can("patch", `namespace/${NS}`), "patch its namespace (the program adopts it)");
    assert.ok((await can("list", "nodes")) && (await can("list", "persistentvolumes")), "the preflight checks' reads");
  });

  it("has none of them in any other namespace, and no cluster-wide power beyond volumes", async () => {
    for (const ns of [OTHER, "kube-system", "default", ACCOUNTS])
      for (const [verb, resource] of [
        ["get", "secrets"],
        ["create", "pods"],
        ["create", "rolebindings.rbac.authorization.k8s.io"],
        ["patch", "statefulsets.apps"],
        ["get", "configmaps"],
      ])
        assert.ok(!(await can(verb, resource, ns)), `${verb} ${resource} in ${ns}`);
    // Its own namespace: no creating pods directly (Pod Security aside), no exec into them.
    assert.ok(!(await can("create", "pods/exec", NS)));
    for (const [verb, resource] of [
      ["create", "namespaces"],
      ["delete", `namespace/${OTHER}`],
      ["patch", "namespace/kube-system"],
      ["create", "clusterrolebindings.rbac.authorization.k8s.io"],
      ["patch", "nodes"],
      ["create", "validatingadmissionpolicybindings.admissionregistration.k8s.io"],
    ])
      assert.ok(!(await can(verb, resource)), `${verb} ${resource}`);
  });

  it("writes only volumes of its own: named and claimed from its namespace, under its storage root, never hostPath", async () => {
    const ok = await createAsDeployer(volume());
    assert.strictEqual(ok.code, 0, ok.stderr);
    const refusals: [string, object, RegExp][] = [
      ["another stack's name", volume(() => {}, `${OTHER}-zookeeper-0`), /only volumes named middleware-rbac/],
      [
        "claimed from another namespace",
        volume((s) => (s.claimRef.namespace = OTHER)),
        /only volumes claimed from namespace middleware-rbac/,
      ],
      [
        "outside its storage root",
        volume((s) => (s.local.path = "/var/lib/middleware-cluster/volumes/rbac-test-other/x")),
        /only local volumes under \/var\/lib\/middleware-cluster\/volumes\/rbac-test \(no hostPath/,
      ],
      [
        "a hostPath on the node's root",
        volume((s) => {
          delete s.local;
          delete s.nodeAffinity;
          s.hostPath = { path: "/" };
        }),
        /no hostPath or other volume type/,
      ],
    ];
    for (const [what, pv, message] of refusals) {
      const r = await createAsDeployer(pv);
      assert.notStrictEqual(r.code, 0, `${what} was admitted`);
      assert.match(r.stderr, message, what);
      assert.match(r.stderr, new RegExp(`ValidatingAdmissionPolicy '${volumePolicyName(STACK)}'`), what);
    }
  });

  it("leaves every other account's volume writes alone", async () => {
    // The cluster admin (the suite's own account) is not the deployer: the policy does not apply.
    const r = await kubectl.run(
      ["create", "--dry-run=server", "-f", "-"],
      JSON.stringify(
        volume((s) => {
          delete s.local;
          delete s.nodeAffinity;
          s.hostPath = { path: "/tmp" };
        }, "admin-volume-test"),
      ),
    );
    assert.strictEqual(r.code, 0, r.stderr);
  });
});
