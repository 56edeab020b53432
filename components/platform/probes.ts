import * as k8s from "@pulumi/kubernetes";

// Probe timing shared by every container. Each exec probe is a process started in the container
// (the runtime's exec, a shell, often a TLS client): on a 2-core node the 16 pods of the local
// stack probing every 5 s spent most of a core on it. And a liveness probe that times out on a
// busy node restarts a healthy server: that is how a fault-suite run lost all three sentinels at
// once (each probe over its 5 s while a roll loaded the node) and kept them crash-looping for 13
// minutes. So readiness is checked every 10 s, and liveness restarts only after a minute
// without an answer.

type Probe = k8s.types.input.core.v1.Probe;

/** Ready or not: every 10 s, allowed 10 s to answer. */
export function readiness(command: string[]): Probe {
  return { exec: { command }, periodSeconds: 10, timeoutSeconds: 10 };
}

/** Restarted after three misses 20 s apart (about a minute), each allowed 10 s to answer. */
export function liveness(command: string[]): Probe {
  return { exec: { command }, periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 3 };
}

/** A sidecar loop's heartbeat (it touches a file every beat; the check says it did lately): every 30 s. */
export function heartbeat(
  command: string[],
): Pick<k8s.types.input.core.v1.Container, "readinessProbe" | "livenessProbe"> {
  return {
    readinessProbe: { exec: { command }, periodSeconds: 30, timeoutSeconds: 10 },
    livenessProbe: { exec: { command }, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
  };
}
