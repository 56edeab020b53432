import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/**
 * A tag derived from the build context's content, the base image and the day whose packages the
 * build installs: the same inputs always give the same tag, a change gives a new one, and no image
 * is ever pushed as a mutable "latest".
 */
export function imageContentTag(contextDir: string, baseImage: string, packagesAsOf = ""): string {
  const h = createHash("sha256").update(baseImage).update("\0");
  // Apart, so a stack that never names a day keeps the tags it had.
  if (packagesAsOf) h.update(`packages-as-of ${packagesAsOf}`).update("\0");
  for (const file of filesUnder(contextDir)) {
    const stat = fs.statSync(file);
    // The executable bit matters: an entrypoint that lost it is a different image.
    h.update(path.relative(contextDir, file))
      .update("\0")
      .update(String(stat.mode & 0o111))
      .update("\0")
      .update(fs.readFileSync(file))
      .update("\0");
  }
  return h.digest("hex").slice(0, 12);
}

/** `server/project/name`, the repository an image is pushed to. */
export function imageRepository(server: string, project: string, name: string): string {
  return `${server}/${project}/${name}`;
}
