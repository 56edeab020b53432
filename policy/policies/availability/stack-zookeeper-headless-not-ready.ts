import { EnforcementLevel, StackValidationPolicy } from "@pulumi/policy";
import { Kind, appOf, nameOf } from "../../lib/k8s";

/** ZooKeeper members find each other by DNS before they are ready; the governing Service must publish them. */
export const stackZookeeperHeadlessNotReady = (
  enforcementLevel: EnforcementLevel = "mandatory",
): StackValidationPolicy => ({
  name: "stack-zookeeper-headless-not-ready",
  description: "The headless Service of a ZooKeeper StatefulSet publishes not-ready addresses.",
  enforcementLevel,
  validateStack: (args, report) => {
    for (const sts of args.resources.filter(
      (r) => r.type === Kind.StatefulSet && appOf(r.type, r.props) === "zookeeper",
    )) {
      const svcName = sts.props.spec?.serviceName;
      if (!svcName) continue;
      const svc = args.resources.find(
        (r) =>
          r.type === Kind.Service &&
          r.props.metadata?.name === svcName &&
          r.props.metadata?.namespace === sts.props.metadata?.namespace,
      );
      if (!svc) {
        report(
          `ZooKeeper StatefulSet ${nameOf(sts.props, sts.name)} names serviceName ${svcName}, which this stack does not declare; declare that headless Service.`,
          sts.urn,
        );
      } else if (svc.props.spec?.clusterIP !== "None" || svc.props.spec?.publishNotReadyAddresses !== true) {
        report(
          `Service ${svcName} governs ZooKeeper ${nameOf(sts.props, sts.name)} but is not headless with publishNotReadyAddresses: true; members could not resolve each other to form a quorum.`,
          svc.urn,
        );
      }
    }
  },
});
