// Kubernetes objects the cluster tests apply: a namespace that enforces Pod Security "restricted",
// a Redis pod and StatefulSet that satisfy it, and static local PVs pre-bound to the claims.
const REDIS_USER = 10001;

/** The pod-level and container-level settings "restricted" demands. */
export const restrictedPod = {
  runAsNonRoot: true,
  runAsUser: REDIS_USER,
  runAsGroup: REDIS_USER,
  fsGroup: REDIS_USER,
  seccompProfile: { type: "RuntimeDefault" },
};
export const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

export function restrictedNamespace(name: string) {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
      },
    },
  };
}

export function pullSecret(namespace: string, registry: string, username: string, password: string) {
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  const config = { auths: { [registry]: { username, password, auth } } };
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/dockerconfigjson",
    metadata: { name: "registry", namespace },
    data: { ".dockerconfigjson": Buffer.from(JSON.stringify(config)).toString("base64") },
  };
}

/** redis-server from our image, bypassing the product entrypoint: these tests are about the cluster. */
function redisContainer(image: string, persistent: boolean) {
  const persistence = persistent
    ? ["--dir", "/data", "--appendonly", "yes", "--appendfsync", "always"]
    : ["--save", "", "--appendonly", "no"];
  return {
    name: "redis",
    image,
    command: ["redis-server", "--port", "6379", "--protected-mode", "no", ...persistence],
    ports: [{ name: "redis", containerPort: 6379 }],
    readinessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 1 },
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
    securityContext: restrictedContainer,
  };
}

/**
 * A pod that always pulls: with the default policy a node that already holds the image runs it for
 * any pod, secret or not, and the test would prove nothing about the registry.
 */
export function redisPod(namespace: string, name: string, image: string, pullSecretName?: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: {
      securityContext: restrictedPod,
      imagePullSecrets: pullSecretName ? [{ name: pullSecretName }] : [],
      containers: [{ ...redisContainer(image, false), imagePullPolicy: "Always" }],
    },
  };
}

/** A StatefulSet with a headless Service (stable pod names) and a ClusterIP Service in front of it. */
export function redisStatefulSet(namespace: string, name: string, image: string, replicas: number) {
  const labels = { app: name };
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace },
      spec: { clusterIP: "None", selector: labels, ports: [{ name: "redis", port: 6379 }] },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `${name}-client`, namespace },
      spec: { selector: labels, ports: [{ name: "redis", port: 6379 }] },
    },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name, namespace },
      spec: {
        serviceName: name,
        replicas,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: restrictedPod,
            imagePullSecrets: [{ name: "registry" }],
            terminationGracePeriodSeconds: 5,
            containers: [{ ...redisContainer(image, true), volumeMounts: [{ name: "data", mountPath: "/data" }] }],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: {
              accessModes: ["ReadWriteOnce"],
              storageClassName: "",
              resources: { requests: { storage: "64Mi" } },
            },
          },
        ],
      },
    },
  ];
}

/** A node-local PV bound ahead of time to exactly one claim, as the program's `local` storage mode does. */
export function preboundLocalVolume(
  name: string,
  dir: string,
  node: string,
  claimNamespace: string,
  claimName: string,
) {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: {
      capacity: { storage: "64Mi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      claimRef: { namespace: claimNamespace, name: claimName },
      local: { path: dir },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] },
          ],
        },
      },
    },
  };
}
