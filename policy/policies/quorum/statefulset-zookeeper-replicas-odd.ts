import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, appOf, nameOf } from "../../lib/k8s";

export const statefulsetZookeeperReplicasOdd = (
  enforcementLevel: EnforcementLevel = "mandatory",
): ResourceValidationPolicy => ({
  name: "statefulset-zookeeper-replicas-odd",
  description: "A ZooKeeper ensemble has an odd number of members, at least 3.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.StatefulSet || appOf(args.type, args.props) !== "zookeeper") return;
    const n = args.props.spec?.replicas;
    if (typeof n !== "number") return;
    if (n < 3 || n % 2 === 0) {
      report(
        `ZooKeeper StatefulSet ${nameOf(args.props, args.name)} has ${n} replicas; use an odd number >= 3 (3 or 5) so a majority survives the loss of a member (set zookeeper.replicas).`,
      );
    }
  },
});
