import * as pulumi from "@pulumi/pulumi";
import type { Access } from "./providers/reach";
import { HealthAccess, HealthSettings } from "./stack-config";

/** How the post-deploy resources of one workload reach its pods and how long they wait. */
export interface HealthWiring {
  readonly access: Access;
  readonly retryForMs: number;
}

export function healthWiring(h: HealthSettings, namespace: string): HealthWiring | undefined {
  if (!h.enabled) return undefined;
  const access: Access = h.access === HealthAccess.PortForward
    ? { kind: "portForward", namespace, ...(h.kubeContext ? { context: h.kubeContext } : {}) }
    : { kind: "direct" };
  return { access, retryForMs: h.retrySeconds * 1000 };
}

/**
 * What the assertions watch: the pods' image and config. When either changes the pods roll, and
 * the next `up` asserts health again; when neither does, `up` shows no change.
 */
export function podsRevision(image: pulumi.Input<string>, configHash: string, replicas: number): pulumi.Output<string> {
  return pulumi.interpolate`${image}|${configHash}|${replicas}`;
}
