// The defaults of settings a stack may leave out, where the settings are read; the builders that use
// them import them from here.

/** The cluster DNS domain Kubernetes uses unless the kubelets are told otherwise. */
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

/**
 * What applications may run, unless the stack says otherwise: everything but @dangerous (FLUSH*, KEYS,
 * SWAPDB, MIGRATE, RESTORE, DEBUG, CONFIG, ACL, replication and cluster management), plus INFO and
 * ROLE that client libraries use to find the master. No Pub/Sub channel unless listed (Redis 7's
 * own default for new users). Scripting is decided apart from these rules: clientScriptingRules.
 */
export const DEFAULT_CLIENT_ACL = "~* resetchannels +@all -@dangerous +info +role";
