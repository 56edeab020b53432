import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformArgs } from "../../workload/stateful-workload";
import { WorkloadLabels, workloadLabels } from "../../platform/labels";
import { clientServiceSpec } from "../../platform/network";
import { Port } from "../../platform/ports";
import { heartbeat } from "../../platform/probes";
import { SIDECAR_RESOURCES } from "../redis-container";
import { Sidecar } from "../../workload/stateful-set";

/** The pod label images/redis/redis-role-label keeps equal to the server's ROLE (master, replica, unknown). */
export const ROLE_LABEL = "middleware/redis-role";

const CHECK = ["/usr/local/bin/redis-role-label", "--check"];

/** The sidecar that labels its pod with the server's role (images/redis/redis-role-label). */
export function roleLabelSidecar(): Sidecar {
  return {
    container: {
      name: "role-label",
      command: ["/usr/local/bin/redis-role-label"],
      env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
      // The loop's heartbeat: a label it failed to apply is retried every second and logged, never a reason to restart.
      ...heartbeat(CHECK),
    },
    resources: SIDECAR_RESOURCES,
  };
}

/** The service account, Role and RoleBinding of the role-label sidecars of `dataName`'s pods. */
export function roleLabelName(dataName: string): string {
  return `${dataName}-role-label`;
}

/**
 * The service account of a Sentinel data pod: its sidecar may read and patch the data pods, by
 * name, and nothing else (a Role cannot narrow it to the pod's own name, so to all three).
 */
export function roleLabelAccount(
  dataName: string,
  replicas: number,
  app: string,
  p: PlatformArgs,
  parent: pulumi.Resource,
): k8s.core.v1.ServiceAccount {
  const metadata = {
    name: roleLabelName(dataName),
    namespace: p.namespace,
    labels: { ...workloadLabels(dataName, app, p.stack).pod },
  };
  const account = new k8s.core.v1.ServiceAccount(
    metadata.name,
    { metadata, automountServiceAccountToken: false },
    { parent },
  );
  const role = new k8s.rbac.v1.Role(
    metadata.name,
    {
      metadata,
      rules: [
        {
          apiGroups: [""],
          resources: ["pods"],
          resourceNames: Array.from({ length: replicas }, (_, i) => `${dataName}-${i}`),
          verbs: ["get", "patch"],
        },
      ],
    },
    { parent },
  );
  new k8s.rbac.v1.RoleBinding(
    metadata.name,
    {
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: p.namespace }],
    },
    { parent },
  );
  return account;
}

/**
 * `<name>-master`: a ClusterIP Service over the data pod whose server is master, for clients that
 * do not speak Sentinel (what Bitnami's masterService and spotahome's rfrm- Service give).
 */
export function masterService(
  name: string,
  labels: WorkloadLabels,
  p: PlatformArgs,
  parent: pulumi.Resource,
  plaintextPort = false,
): k8s.core.v1.Service {
  const plain = plaintextPort ? [{ name: "redis-plain", port: Port.RedisPlain }] : [];
  return new k8s.core.v1.Service(
    `${name}-master`,
    {
      metadata: { name: `${name}-master`, namespace: p.namespace, labels: { ...labels.pod } },
      spec: clientServiceSpec({ ...labels.selector, [ROLE_LABEL]: "master" }, [
        { name: "redis", port: Port.Redis },
        ...plain,
      ]),
    },
    { parent },
  );
}
