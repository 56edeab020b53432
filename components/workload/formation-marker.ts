import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformArgs, StatefulWorkload } from "./stateful-workload";

/**
 * Where a pod finds its workload's formation marker: the entrypoints' FORMATION_FILE
 * (images/redis/redis-common.sh) and ZK_FORMATION_FILE (images/zookeeper/zk-entrypoint) default to
 * `<this>/formed`.
 */
const FORMATION_MOUNT = "/etc/formation";

function formationMarkerName(owner: string): string {
  return `${owner}-formation`;
}

/** The marker's optional mount, for StatefulWorkload's `markers`: the pods start before it exists. */
export function formationMarkerMount(owner: string): { configMapName: string; mountPath: string } {
  return { configMapName: formationMarkerName(owner), mountPath: FORMATION_MOUNT };
}

/**
 * The ConfigMap whose existence tells `owner`'s pods that it has formed, written only once `after`
 * (its first health assertion) has passed: from then on it has data to lose, and a pod back on an
 * empty volume protects it instead of serving or voting empty. Before it every pod starts empty
 * and must serve. `meaning` is what the pods do differently, as its data says to a reader.
 */
export function formationMarker(
  owner: string,
  workload: StatefulWorkload,
  p: PlatformArgs,
  meaning: string,
  after: pulumi.Resource,
  parent: pulumi.Resource,
): k8s.core.v1.ConfigMap {
  const name = formationMarkerName(owner);
  return new k8s.core.v1.ConfigMap(
    name,
    { metadata: { name, namespace: p.namespace, labels: { ...workload.labels.pod } }, data: { formed: meaning } },
    { parent, dependsOn: [after] },
  );
}
