import * as pulumi from "@pulumi/pulumi";

/** Where a workload's objects live and which stack they are labelled with. */
export interface Placement {
  /** Namespace every object of the workload is created in. */
  readonly namespace: pulumi.Input<string>;
  /** The same namespace as a plain string, for names computed from it. */
  readonly namespaceName: string;
  /** DNS zone of the namespace's Services (`<namespace>.svc.<clusterDomain>`); every pod name ends in it. */
  readonly zone: string;
  /** The stack's name, carried as the middleware/stack label. */
  readonly stack: string;
}
