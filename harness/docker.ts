// Real Docker engine and OCI registry for the image tests. Containers and networks carry a
// per-run label so `cleanup` removes exactly what this run made.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn, ChildProcess } from "child_process";
import { imageContentTag } from "../components/platform/image-tag";
import { check, freePort, run, waitFor } from "./processes";
import { ROOT } from "./stack-files";

export const RUN_LABEL = `middleware-test=${process.pid}`;

export function docker(...args: string[]): Promise<string> {
  return check("docker", args).then((s) => s.trim());
}

/** The base every product image builds on here (made locally by scripts/install/base-image). */
export const BASE_IMAGE = "debian:bookworm-slim";

/** Builds images/<name> on the local base as <repository>:<content tag>; returns that tag. */
export async function buildProductImage(name: string, repository = `middleware-test/${name}`): Promise<string> {
  const context = path.join(ROOT, "images", name);
  const tag = `${repository}:${imageContentTag(context, BASE_IMAGE)}`;
  await docker("build", "-q", "--build-arg", `BASE_IMAGE=${BASE_IMAGE}`, "-t", tag, context);
  return tag;
}

/** `docker login` with the password on stdin, never on the command line. */
export async function dockerLogin(registry: string, username: string, password: string): Promise<void> {
  await check("docker", ["login", "--username", username, "--password-stdin", registry], { input: password });
}

export async function requireDockerEngine(): Promise<void> {
  const r = await run("docker", ["info", "--format", "{{.ServerVersion}}"]);
  if (r.code !== 0) throw new Error(`no Docker engine answers (${r.stderr.trim()}); run scripts/setup first`);
}

export async function cleanup(): Promise<void> {
  const ids = (await docker("ps", "-aq", "--filter", `label=${RUN_LABEL}`)).split(/\s+/).filter(Boolean);
  if (ids.length) await run("docker", ["rm", "-f", ...ids]);
  const nets = (await docker("network", "ls", "-q", "--filter", `label=${RUN_LABEL}`)).split(/\s+/).filter(Boolean);
  if (nets.length) await run("docker", ["network", "rm", ...nets]);
  const volumes = (await docker("volume", "ls", "-q", "--filter", `name=-${process.pid}$`))
    .split(/\s+/)
    .filter(Boolean);
  if (volumes.length) await run("docker", ["volume", "rm", ...volumes]);
}

/**
 * A bridge network for one test run. With `fixedAddresses` it gets a subnet of its own (the first
 * free 192.168.x.0/24 from 200 up), so containers can be started with `--ip` (docker allows fixed
 * addresses only on networks with a configured subnet).
 */
export async function network(name: string, fixedAddresses = false): Promise<string> {
  if (!fixedAddresses) {
    await docker("network", "create", "--label", RUN_LABEL, name);
    return name;
  }
  for (let x = 200; x < 255; x++) {
    const created = await run("docker", [
      "network",
      "create",
      "--label",
      RUN_LABEL,
      "--subnet",
      `192.168.${x}.0/24`,
      name,
    ]);
    if (created.code === 0) return name;
    if (!/overlap/i.test(created.stderr)) throw new Error(`docker network create ${name}: ${created.stderr.trim()}`);
  }
  throw new Error(`docker network create ${name}: no free 192.168.x.0/24 subnet between 200 and 254`);
}

/** A local OCI registry (the CNCF Distribution registry Harbor runs) with htpasswd auth. */
export class LocalRegistry {
  private proc?: ChildProcess;
  private dir = "";
  address = "";

  constructor(
    readonly username: string,
    readonly password: string,
  ) {}

  async start(): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-"));
    const port = await freePort();
    this.address = `127.0.0.1:${port}`;
    // htpasswd reads the password from stdin (-i), keeping it off the process list.
    const entry = await check("htpasswd", ["-niB", this.username], { input: `${this.password}\n` });
    fs.writeFileSync(path.join(this.dir, "htpasswd"), entry);
    fs.writeFileSync(
      path.join(this.dir, "config.yml"),
      [
        "version: 0.1",
        "log: { level: warn }",
        `storage: { filesystem: { rootdirectory: ${this.dir}/data }, delete: { enabled: true } }`,
        `http: { addr: "${this.address}" }`,
        `auth: { htpasswd: { realm: test-registry, path: ${this.dir}/htpasswd } }`,
      ].join("\n"),
    );
    this.proc = spawn("docker-registry", ["serve", path.join(this.dir, "config.yml")], { stdio: "ignore" });
    await waitFor(`registry on ${this.address}`, 15000, async () => {
      const r = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", `http://${this.address}/v2/`]);
      return r.stdout === "401" ? true : undefined;
    });
  }

  login(): Promise<void> {
    return dockerLogin(this.address, this.username, this.password);
  }

  async logout(): Promise<void> {
    await run("docker", ["logout", this.address]);
  }

  async stop(): Promise<void> {
    await this.logout();
    this.proc?.kill();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A directory with the files a pod would get from a ConfigMap or Secret, readable by uid 10001. */
export function filesDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "img-"));
  fs.chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o444 });
  return dir;
}

/**
 * `docker run` with the pod's hardening: read-only root, no capabilities, no privilege gain, uid 10001.
 * /data is a named volume when `dataVolume` is given (it outlives the container, like a PV), else a tmpfs.
 */
export function runHardened(
  image: string,
  name: string,
  net: string,
  mounts: Record<string, string>,
  env: Record<string, string>,
  extra: string[] = [],
  dataVolume?: string,
  /** The container's command line after the image's entrypoint, as a pod's `args`. */
  args: readonly string[] = [],
): Promise<string> {
  const data = dataVolume ? ["--mount", `type=volume,src=${dataVolume},dst=/data`] : ["--tmpfs", "/data:uid=10001"];
  return docker(
    "run",
    "-d",
    "--name",
    name,
    // A container sharing another's network namespace (`container:<name>`, as a pod's sidecar
    // shares its pod's) takes that one's host name.
    ...(net.startsWith("container:") ? [] : ["--hostname", name]),
    "--network",
    net,
    "--label",
    RUN_LABEL,
    "--read-only",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--user",
    "10001:10001",
    "--tmpfs",
    "/tmp",
    "--tmpfs",
    "/run/app:uid=10001",
    ...data,
    ...Object.entries(mounts).flatMap(([dir, at]) => ["-v", `${dir}:${at}:ro`]),
    ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    ...extra,
    image,
    ...args,
  );
}

export function execIn(container: string, ...cmd: string[]) {
  return run("docker", ["exec", container, ...cmd]);
}
