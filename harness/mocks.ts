// Loaded once by .mocharc: Pulumi mocks that record every registered resource, so tests can ask
// "which StatefulSets exist, with what spec" instead of poking at component internals.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: any;
}

export const registered: Registered[] = [];

/** Forget what earlier tests registered. */
export function resetRegistered(): void {
  registered.length = 0;
}

export function setMocks(stack: string): Promise<void> {
  return pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state = { ...args.inputs };
        if (args.type === "docker:index/image:Image") {
          // What the docker provider reports after a push: repository@digest.
          const repo = String(args.inputs.imageName).replace(/:[^:/]+$/, "");
          state.repoDigest = `${repo}@sha256:${createHash("sha256").update(args.inputs.imageName).digest("hex")}`;
        }
        if (args.type === "pulumi-nodejs:dynamic:Resource" && "validityDays" in args.inputs) {
          // What the certificate providers report (components/tls/certificate.ts), without the crypto.
          const serial = createHash("sha256").update(args.name).digest("hex").slice(0, 32);
          Object.assign(state, {
            certPem: `-----BEGIN CERTIFICATE-----\n${args.name}\n-----END CERTIFICATE-----\n`,
            keyPem: `-----BEGIN PRIVATE KEY-----\n${args.name}\n-----END PRIVATE KEY-----\n`,
            serial,
            notAfter: "2036-01-01T00:00:00.000Z",
          });
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    "middleware",
    stack,
    false,
  );
}

void setMocks("unit");

/** Resolves an Output's value in a test (mocks run with preview off, so values are known). */
export function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/**
 * Waits until the program's outstanding RPCs (registrations included, and any they start) have
 * drained, as the SDK itself does before it disconnects from the engine.
 */
export async function settled(): Promise<Registered[]> {
  // Internal to the SDK (not in its typings), but what `disconnect` waits on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
  await waitForRPCs();
  return registered;
}

export function ofType(type: string): Registered[] {
  return registered.filter((r) => r.type === type);
}
