import { EnforcementLevel, ResourceValidationPolicy } from "@pulumi/policy";
import { WORKLOAD_KINDS, containersOf, nameOf, podSpecOf } from "../../lib/k8s";

interface ImageConfig {
  /** Registry host (and optional project), e.g. harbor.example.internal/middleware. */
  readonly registry?: string;
}

export const workloadImagePinned = (enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy => ({
  name: "workload-image-pinned",
  description:
    "Images come from the configured Harbor registry, pinned by digest, pulled with an imagePullSecret; never latest.",
  enforcementLevel,
  configSchema: { properties: { registry: { type: "string" } } },
  validateResource: (args, report) => {
    if (!WORKLOAD_KINDS.includes(args.type)) return;
    const { registry } = args.getConfig<ImageConfig>();
    const spec = podSpecOf(args.type, args.props);
    const name = nameOf(args.props, args.name);
    for (const c of containersOf(spec)) {
      const image = c.image;
      if (typeof image !== "string") continue; // unknown until the image is pushed
      if (/:latest(@|$)/.test(image) || !/[:@]/.test(image.split("/").pop() ?? ""))
        report(
          `Container ${c.name} of ${name} uses ${image}, a moving tag; reference the pushed image by digest (the HarborImage component's ref).`,
        );
      if (!/@sha256:[0-9a-f]{64}$/.test(image))
        report(
          `Container ${c.name} of ${name} uses ${image}, not pinned by digest; use <registry>/<project>/<name>@sha256:<digest>.`,
        );
      if (registry && !image.startsWith(`${registry.replace(/\/+$/, "")}/`))
        report(
          `Container ${c.name} of ${name} pulls ${image} from outside ${registry}; build and push it to the Harbor registry.`,
        );
    }
    if (spec && containersOf(spec).length > 0 && !(spec.imagePullSecrets ?? []).length) {
      report(`${name} has no imagePullSecrets; Harbor projects are private, so reference the registry pull secret.`);
    }
  },
});
