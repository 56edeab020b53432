import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, appOf, nameOf } from "../../lib/k8s";

/** Annotations the RedisCluster component puts on its StatefulSet, so the intent is checkable. */
export const MASTERS_ANNOTATION = "middleware/redis-cluster-masters";
export const REPLICAS_ANNOTATION = "middleware/redis-cluster-replicas-per-master";

export const statefulsetRedisClusterShape = (
  enforcementLevel: EnforcementLevel = "mandatory",
): ResourceValidationPolicy => ({
  name: "statefulset-redis-cluster-shape",
  description: "A Redis Cluster has masters x (1 + replicas per master) pods and at least 3 masters.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.StatefulSet || appOf(args.type, args.props) !== "redis-cluster") return;
    const name = nameOf(args.props, args.name);
    const a = args.props.metadata?.annotations ?? {};
    const pods = args.props.spec?.replicas;
    if (a[MASTERS_ANNOTATION] === undefined || a[REPLICAS_ANNOTATION] === undefined) {
      report(
        `Redis Cluster StatefulSet ${name} must carry the ${MASTERS_ANNOTATION} and ${REPLICAS_ANNOTATION} annotations so its shape can be checked; deploy it through the RedisCluster component.`,
      );
      return;
    }
    const masters = Number(a[MASTERS_ANNOTATION]);
    const replicas = Number(a[REPLICAS_ANNOTATION]);
    if (masters < 3)
      report(
        `Redis Cluster ${name} has ${masters} masters; use at least 3 so a majority of masters can authorise a failover (set redisCluster.masters).`,
      );
    if (typeof pods === "number" && pods !== masters * (1 + replicas)) {
      report(
        `Redis Cluster ${name} runs ${pods} pods but ${masters} masters with ${replicas} replica(s) each need ${masters * (1 + replicas)}; set replicas to masters x (1 + replicasPerMaster).`,
      );
    }
  },
});
