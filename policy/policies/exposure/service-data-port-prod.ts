import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { Kind, STACK_LABEL, nameOf } from "../../lib/k8s";

/** In prod, data ports stay inside the cluster: NodePort and LoadBalancer expose them to the network. */
export const serviceDataPortProd = (enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy => ({
  name: "service-data-port-prod",
  description: "In prod, no NodePort or LoadBalancer Service exposes a data port.",
  enforcementLevel,
  validateResource: (args, report) => {
    if (args.type !== Kind.Service || args.props.metadata?.labels?.[STACK_LABEL] !== "prod") return;
    const type = args.props.spec?.type;
    if (type === "NodePort" || type === "LoadBalancer") {
      report(
        `Service ${nameOf(args.props, args.name)} is ${type} in prod, exposing data ports outside the cluster; use ClusterIP and reach it from inside (or through a reviewed gateway).`,
      );
    }
  },
});
