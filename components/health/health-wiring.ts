import * as pulumi from "@pulumi/pulumi";
import type { Access } from "../provider-kit/reach";
import { HealthAccess, HealthSettings, StackSettings } from "../config/settings";

/** How the post-deploy resources and `verify` reach the pods, from the health settings. */
export function accessOf(s: Pick<StackSettings, "health" | "namespace">): Access {
  return s.health.access === HealthAccess.PortForward
    ? {
        kind: "portForward",
        namespace: s.namespace,
        ...(s.health.kubeContext ? { context: s.health.kubeContext } : {}),
      }
    : { kind: "direct" };
}

/** How the post-deploy resources of one workload reach its pods and how long they wait. */
export interface HealthWiring {
  readonly access: Access;
  readonly retryForMs: number;
}

export function healthWiring(h: HealthSettings, namespace: string): HealthWiring | undefined {
  if (!h.enabled) return undefined;
  return { access: accessOf({ health: h, namespace }), retryForMs: h.retrySeconds * 1000 };
}

/**
 * What the assertions watch: the pods' image, config and passwords. When one changes the pods roll,
 * and the next `up` asserts health again (with the new passwords); when none does, `up` shows no change.
 */
export function podsRevision(
  image: pulumi.Input<string>,
  configHash: string,
  replicas: number,
  authFingerprint?: pulumi.Input<string>,
): pulumi.Output<string> {
  return authFingerprint === undefined
    ? pulumi.interpolate`${image}|${configHash}|${replicas}`
    : pulumi.interpolate`${image}|${configHash}|${replicas}|${authFingerprint}`;
}
