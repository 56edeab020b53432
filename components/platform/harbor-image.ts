import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { imageContentTag, imageRepository } from "./image-tag";

export interface RegistryArgs {
  /** Harbor host, e.g. harbor.example.internal. */
  readonly server: string;
  /** Harbor project the images live in. */
  readonly project: string;
  /** Robot account the image build pushes as. */
  readonly username: pulumi.Input<string>;
  /** Its password, a Pulumi secret. */
  readonly password: pulumi.Input<string>;
}

export interface HarborImageArgs {
  /** Where the image is pushed, and the push credential. */
  readonly registry: RegistryArgs;
  /** Directory under images/ with the Dockerfile. */
  readonly imageDir: string;
  /** Base image for the Dockerfile's BASE_IMAGE build arg. Defaults to debian:bookworm-slim. */
  readonly baseImage?: string;
  /** The day whose Debian packages the build installs (images.packagesAsOf). Defaults to "" (none named). */
  readonly packagesAsOf?: string;
  /** Root of the images/ tree. Defaults to images/ next to the program. */
  readonly imagesRoot?: string;
}

/** Builds images/<name>, pushes it to Harbor, and exposes the digest-pinned reference workloads pull. */
export class HarborImage extends pulumi.ComponentResource {
  /** `server/project/name@sha256:...`: what pods run, immune to tag moves. */
  public readonly ref: pulumi.Output<string>;
  public readonly tag: string;

  constructor(name: string, args: HarborImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("middleware:images:HarborImage", name, {}, opts);
    const baseImage = args.baseImage ?? "debian:bookworm-slim";
    const context = path.join(args.imagesRoot ?? path.join(__dirname, "..", "..", "images"), args.imageDir);
    const packagesAsOf = args.packagesAsOf ?? "";
    this.tag = imageContentTag(context, baseImage, packagesAsOf);
    const image = new docker.Image(
      name,
      {
        imageName: `${imageRepository(args.registry.server, args.registry.project, args.imageDir)}:${this.tag}`,
        build: {
          context,
          dockerfile: path.join(context, "Dockerfile"),
          // A new day is a new value for the Dockerfiles' apt layer: the build runs it again instead of reusing its cache.
          args: { BASE_IMAGE: baseImage, ...(packagesAsOf ? { PACKAGES_AS_OF: packagesAsOf } : {}) },
          platform: "linux/amd64",
        },
        registry: {
          server: args.registry.server,
          username: args.registry.username,
          password: pulumi.secret(args.registry.password),
        },
      },
      { parent: this },
    );
    this.ref = image.repoDigest;
    this.registerOutputs({ ref: this.ref, tag: this.tag });
  }
}
