// Small, valid objects shaped like the program's; each test breaks one thing.
import { Kind } from "../lib/k8s";

export const DIGEST = "harbor.example.internal/middleware/redis@sha256:" + "a".repeat(64);

export function statefulSet(app: string, replicas: number, over: Record<string, any> = {}) {
  const labels = { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": app, "middleware/stack": "dev" };
  const selector = { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": app };
  return {
    type: Kind.StatefulSet,
    props: {
      metadata: { name: app, namespace: "mw", annotations: {} as Record<string, string> },
      spec: {
        replicas,
        serviceName: `${app}-headless`,
        selector: { matchLabels: selector },
        volumeClaimTemplates: [{ metadata: { name: "data" } }],
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 10001 },
            imagePullSecrets: [{ name: "harbor-pull" }],
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" },
                ],
              },
            },
            containers: [
              {
                name: "main",
                image: DIGEST,
                securityContext: {
                  runAsNonRoot: true,
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                },
                resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                volumeMounts: [
                  { name: "data", mountPath: "/data" },
                  { name: "auth", mountPath: "/etc/auth" },
                ],
              },
            ],
            volumes: [
              { name: "auth", secret: { secretName: `${app}-auth` } },
              { name: "config", configMap: { name: `${app}-config` } },
            ],
          },
        },
        ...over,
      },
    },
  };
}

export function pdb(app: string, spec: Record<string, any>) {
  return {
    type: Kind.PodDisruptionBudget,
    props: {
      metadata: { name: app, namespace: "mw" },
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": app } },
        ...spec,
      },
    },
  };
}
