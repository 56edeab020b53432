// npm run deployer-rbac -- --stack <name> [--account-namespace pulumi-operator] | kubectl apply -f -
// The least-privileged account that deploys one stack, for a cluster admin to apply once: the
// stack's namespace, made here so the account's permissions in it can exist before the first up
// (the program then adopts it), a service account with full rights inside that namespace only, and
// the few cluster-scoped rights the program needs: read nodes and volumes (preflight checks), get,
// patch and delete its own namespace, and write PersistentVolumes, which RBAC cannot narrow by name.
// A ValidatingAdmissionPolicy narrows those: only volumes named after the stack's namespace, claimed
// from it, and stored under the stack's own NFS export or local directory (a hostPath or any other
// volume type would let a pod of the namespace mount the node's files).
//
// The operator's workspace pods (deploy/operator) run as this account; scripts/local-stack deploys
// the local stack with it too, so every e2e run proves the program needs nothing more.
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { WORKLOAD_NAME } from "../../components/config/settings";
import { NAMESPACE_LABELS } from "../../components/platform/middleware-namespace";
import { roleLabelName } from "../../components/redis/sentinel/redis-master-service";
import { sentinelDataName } from "../../components/redis/sentinel/redis-sentinel";
import { options, runMain } from "./cli";

export const DEFAULT_ACCOUNT_NAMESPACE = "pulumi-operator";
/** Where scripts/local-stack keeps the local stacks' deployer accounts. */
export const LOCAL_ACCOUNT_NAMESPACE = "middleware-deployers";

/** A local stack's deployer is named after its namespace: the e2e and fault suites run their own beside a developer's. */
export function localDeployerStack(namespace: string): string {
  return `local-${namespace}`;
}

/** What the account is made from: the stack's namespace and where its volumes live. */
export interface DeployerScope {
  readonly stack: string;
  readonly namespace: string;
  /** `middleware:storage` of the stack: nfs {server, path}, local {path, node}, or storageClass. */
  readonly storage: {
    readonly mode: string;
    readonly nfs?: { server: string; path: string };
    readonly local?: { path: string };
  };
  readonly accountNamespace?: string;
}

type Manifest = Record<string, unknown>;

const ALL = ["get", "list", "watch", "create", "update", "patch", "delete"];
const READ = ["get", "list", "watch"];

/** The account's name for `stack`. */
export function deployerAccount(stack: string): string {
  return `middleware-deployer-${stack}`;
}

/** Everything inside the namespace the program declares (and reads while awaiting it). */
function namespacedRules(): Manifest[] {
  return [
    {
      apiGroups: [""],
      resources: ["services", "configmaps", "secrets", "persistentvolumeclaims", "serviceaccounts"],
      verbs: ALL,
    },
    // Pods are the StatefulSets' own; the program reads them, reaches them (portForward access), and
    // gives the Sentinel role-label sidecar get and patch on its pods (RBAC lets an account grant
    // only what it holds).
    { apiGroups: [""], resources: ["pods"], verbs: [...READ, "patch"] },
    { apiGroups: [""], resources: ["pods/portforward"], verbs: ["create"] },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: READ },
    // The provider awaits a Service until its endpoints exist.
    { apiGroups: [""], resources: ["endpoints"], verbs: READ },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: READ },
    { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ALL },
    // metrics.prometheus: the stack's own Prometheus. The provider follows a Deployment's rollout
    // through its ReplicaSets; without reading them it waits out its timeout on a ready one.
    { apiGroups: ["apps"], resources: ["deployments"], verbs: ALL },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: READ },
    { apiGroups: ["apps"], resources: ["controllerrevisions"], verbs: READ },
    { apiGroups: ["batch"], resources: ["jobs"], verbs: ALL },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ALL },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ALL },
    // metrics.prometheusOperator: a PodMonitor per Redis workload and the alerts' PrometheusRule.
    { apiGroups: ["monitoring.coreos.com"], resources: ["podmonitors", "prometheusrules"], verbs: ALL },
    { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: ALL },
    // A preview dry-runs the RoleBinding before its Role exists, and the API server can then only
    // allow the binding with `bind` on that Role (it cannot compare permissions with a missing Role).
    {
      apiGroups: ["rbac.authorization.k8s.io"],
      resources: ["roles"],
      resourceNames: [roleLabelName(sentinelDataName(WORKLOAD_NAME.redisSentinel))],
      verbs: ["bind"],
    },
  ];
}

/** Where the stack's volumes may live: its NFS export, its local directory, or nowhere (a StorageClass provisions them). */
function volumeRoot(scope: DeployerScope): { kind: "nfs" | "local" | "none"; server: string; path: string } {
  const s = scope.storage;
  if (s.mode === "nfs" && s.nfs) return { kind: "nfs", server: s.nfs.server, path: s.nfs.path.replace(/\/+$/, "") };
  if (s.mode === "local" && s.local) return { kind: "local", server: "", path: s.local.path.replace(/\/+$/, "") };
  return { kind: "none", server: "", path: "" };
}

/**
 * The admission policy for one stack's account. Its match condition names the account, so every
 * other request skips it (an admin's, a provisioner's, another stack's); its values are literals,
 * so there is no parameter object whose absence could block volume writes cluster-wide.
 */
export function volumePolicy(scope: DeployerScope): Manifest {
  const accountNamespace = scope.accountNamespace ?? DEFAULT_ACCOUNT_NAMESPACE;
  const q = (v: string) => JSON.stringify(v); // a CEL string literal
  const ns = q(scope.namespace);
  const root = volumeRoot(scope);
  const underRoot = (p: string) => `(${p} == ${q(root.path)} || ${p}.startsWith(${q(root.path + "/")}))`;
  const source =
    root.kind === "nfs"
      ? `has(variables.pv.spec.nfs) && variables.pv.spec.nfs.server == ${q(root.server)} && ${underRoot("variables.pv.spec.nfs.path")}`
      : root.kind === "local"
        ? `has(variables.pv.spec.local) && ${underRoot("variables.pv.spec.local.path")}`
        : "false";
  const allowed =
    root.kind === "none"
      ? "this stack's volumes come from a StorageClass: its deployer writes none"
      : `a deployer writes only ${root.kind} volumes under ${root.server ? `${root.server}:` : ""}${root.path} (no hostPath or other volume type)`;
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: volumePolicyName(scope.stack), labels: labelsOf(scope.stack) },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [""],
            apiVersions: ["v1"],
            resources: ["persistentvolumes"],
            operations: ["CREATE", "UPDATE", "DELETE"],
          },
        ],
      },
      matchConditions: [
        {
          name: "the-deployer",
          expression: `request.userInfo.username == ${q(`system:serviceaccount:${accountNamespace}:${deployerAccount(scope.stack)}`)}`,
        },
      ],
      variables: [
        // The volume before and after the request: an update must start from one of ours too (else
        // re-pointing another stack's claimRef would hand its data over).
        { name: "pvs", expression: "[object, oldObject].filter(v, v != null)" },
        { name: "pv", expression: "request.operation == 'DELETE' ? oldObject : object" },
      ],
      validations: [
        {
          expression: `variables.pvs.all(v, v.metadata.name.startsWith(${q(`${scope.namespace}-`)}))`,
          message: `a deployer writes only volumes named ${scope.namespace}-*`,
        },
        {
          expression: `variables.pvs.all(v, has(v.spec.claimRef) && v.spec.claimRef.namespace == ${ns})`,
          message: `a deployer writes only volumes claimed from namespace ${scope.namespace}`,
        },
        { expression: `request.operation == 'DELETE' || (${source})`, message: allowed },
      ],
    },
  };
}

export function volumePolicyName(stack: string): string {
  return `${deployerAccount(stack)}-volumes`;
}

function labelsOf(stack: string): Record<string, string> {
  return { "app.kubernetes.io/part-of": "middleware", "middleware/stack": stack };
}

/** The manifests of one stack's deployer (applying them again changes nothing). */
export function deployerRbac(scope: DeployerScope): Manifest[] {
  const accountNamespace = scope.accountNamespace ?? DEFAULT_ACCOUNT_NAMESPACE;
  const name = deployerAccount(scope.stack);
  const subject = { kind: "ServiceAccount", name, namespace: accountNamespace };
  const labels = labelsOf(scope.stack);
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: accountNamespace } },
    {
      apiVersion: "v1",
      kind: "Namespace",
      // The labels the program sets too, so adopting it changes nothing.
      metadata: { name: scope.namespace, labels: NAMESPACE_LABELS },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: accountNamespace, labels } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name, namespace: scope.namespace, labels },
      rules: namespacedRules(),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace: scope.namespace, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [subject],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name, labels },
      rules: [
        // The preflight checks: schedulable nodes for required anti-affinity, volumes on the storage root.
        { apiGroups: [""], resources: ["nodes", "persistentvolumes"], verbs: ["get", "list"] },
        // Written only as the admission policy below allows.
        { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["watch", "create", "update", "patch", "delete"] },
        // Its own namespace only (create is the admin's, above: RBAC cannot narrow create by name).
        {
          apiGroups: [""],
          resources: ["namespaces"],
          resourceNames: [scope.namespace],
          verbs: ["get", "patch", "update", "delete"],
        },
        // The provider sees a deleted namespace go through an informer over all namespaces (names
        // and labels; a namespace holds no data of its own).
        { apiGroups: [""], resources: ["namespaces"], verbs: ["list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [subject],
    },
    volumePolicy(scope),
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: volumePolicyName(scope.stack), labels },
      spec: { policyName: volumePolicyName(scope.stack), validationActions: ["Deny"] },
    },
  ];
}

/** The scope of a committed stack file (Pulumi.<stack>.yaml). */
export function scopeOfStackFile(stack: string, file: string, accountNamespace?: string): DeployerScope {
  const config = (yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> })?.config ?? {};
  const namespace = config["middleware:namespace"];
  if (typeof namespace !== "string" || !namespace)
    throw new Error(`${file} sets no middleware:namespace; the deployer's rights are scoped to it`);
  const storage = config["middleware:storage"] as DeployerScope["storage"] | undefined;
  if (!storage?.mode)
    throw new Error(`${file} sets no middleware:storage.mode; the deployer's volumes are scoped to it`);
  return { stack, namespace, storage, accountNamespace };
}

async function main(): Promise<void> {
  const usage = "npm run deployer-rbac -- --stack <dev|staging|prod|...> [--account-namespace pulumi-operator]";
  const o = options(usage, ["stack", "account-namespace"]);
  if (!o.stack) throw new Error(`--stack is required; usage: ${usage}`);
  const file = path.join(__dirname, "..", "..", `Pulumi.${o.stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${file}; usage: ${usage}`);
  const items = deployerRbac(scopeOfStackFile(o.stack, file, o["account-namespace"]));
  process.stdout.write(yaml.dump({ apiVersion: "v1", kind: "List", items }, { lineWidth: 120, noRefs: true }));
}

if (require.main === module) runMain(main);
