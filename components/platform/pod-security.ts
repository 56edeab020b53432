import * as k8s from "@pulumi/kubernetes";
import { Resources } from "../config/settings";

/** The numeric user every image runs as; the images create it with this id. */
export const RUN_AS_USER = 10001;

export function podSecurityContext(): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    fsGroup: RUN_AS_USER,
    // Only re-chown the volume when its root is wrong; a recursive chown of a large dataset delays every restart.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  };
}

export function containerResources(r: Resources): k8s.types.input.core.v1.ResourceRequirements {
  return { requests: { ...r.requests }, limits: { ...r.limits } };
}
