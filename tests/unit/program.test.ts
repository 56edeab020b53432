import * as assert from "assert";
import { ConfigError } from "../../components/config/section";
import { createHash } from "crypto";
import { AUTH_FINGERPRINT_ANNOTATION, CONFIG_HASH_ANNOTATION } from "../../components/platform/config-hash";
import { parseStackConfig } from "../../components/config/validate";
import { AuthFile } from "../../components/platform/auth-secret";
import { ZOO_AUTH_LINES, ZOOKEEPER_CLIENT_USER } from "../../components/zookeeper/zoo-cfg";
import { ZOOKEEPER_CLIENT_LABEL } from "../../components/zookeeper/zookeeper-ensemble";
import { Registered, registered } from "../../harness/mocks";
import { ProgramRun, runProgram } from "../../harness/program";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { deployerRbac, scopeOfStackFile } from "../../scripts/pipeline/deployer-rbac";
import { ROOT, TEST_SECRETS, readStackFile, testSecretStates } from "../../harness/stack-files";

const T = {
  sts: "kubernetes:apps/v1:StatefulSet",
  svc: "kubernetes:core/v1:Service",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  pv: "kubernetes:core/v1:PersistentVolume",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  cm: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  job: "kubernetes:batch/v1:Job",
  image: "docker:index/image:Image",
  dynamic: "pulumi-nodejs:dynamic:Resource",
};

const of = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);
const named = (run: ProgramRun, type: string, name: string): Registered => {
  const found = of(run, type).find((r) => r.inputs.metadata?.name === name);
  assert.ok(found, `no ${type} named ${name}`);
  return found;
};
const secretValues = Object.values(TEST_SECRETS);

/** Pulumi's marker for a secret value in serialized inputs (what the engine encrypts in state). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const isSecret = (v: any) => v && typeof v === "object" && Object.values(v).includes(SECRET_SIG);
/** The inputs with every secret-wrapped value removed: what would be plaintext in state. */
function plaintextOf(v: any): any {
  if (isSecret(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(plaintextOf);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plaintextOf(x)]));
  return v;
}
const unwrap = (v: any) => (isSecret(v) ? v.value : v);

describe("stack files", () => {
  for (const stack of ["dev", "staging", "prod", "local"]) {
    it(`Pulumi.${stack}.yaml validates (with its secrets set as an operator would)`, () => {
      const s = parseStackConfig(stack, readStackFile(stack), testSecretStates());
      assert.strictEqual(s.namespace, `middleware-${stack}`);
    });

    it(`Pulumi.${stack}.yaml commits no secret in plaintext`, () => {
      const raw = readStackFile(stack);
      for (const key of Object.keys(TEST_SECRETS))
        assert.ok(!(key in raw), `${key} must be set with --secret, not committed`);
    });
  }

  it("admit the operator's namespace where deploy/operator runs pulumi up as the stack's deployer, who may list what the preflight checks read", () => {
    for (const stack of ["dev", "staging", "prod"]) {
      const items = deployerRbac(scopeOfStackFile(stack, path.join(ROOT, `Pulumi.${stack}.yaml`))) as any[];
      const account = items.find((i) => i.kind === "ServiceAccount").metadata;
      const operatorStack = yaml.load(
        fs.readFileSync(path.join(ROOT, "deploy", "operator", `stack-${stack}.yaml`), "utf8"),
      ) as any;
      assert.strictEqual(operatorStack.metadata.namespace, account.namespace);
      assert.strictEqual(operatorStack.spec.serviceAccountName, account.name);
      assert.strictEqual(
        (readStackFile(stack) as any).health?.runnerNamespace,
        account.namespace,
        `Pulumi.${stack}.yaml health.runnerNamespace`,
      );
      const reads = items.find((i) => i.kind === "ClusterRole").rules[0];
      assert.deepStrictEqual(
        [reads.resources, reads.verbs],
        [
          ["nodes", "persistentvolumes"],
          ["get", "list"],
        ],
      );
    }
  });

  it("differ in sizes, resources and replicas between environments", () => {
    const [dev, prod] = ["dev", "prod"].map((s) => readStackFile(s) as Record<string, any>);
    assert.notDeepStrictEqual(dev.storage.sizes, prod.storage.sizes);
    assert.notStrictEqual(dev.zookeeper.replicas, prod.zookeeper.replicas);
    assert.notDeepStrictEqual(dev.zookeeper.resources, prod.zookeeper.resources);
  });
});

describe("program with a broken stack file", () => {
  it("fails with one error naming the key and registers no resource", async () => {
    const raw = readStackFile("dev") as Record<string, any>;
    raw.zookeeper = { ...raw.zookeeper, replicas: 4 };
    await assert.rejects(runProgram("dev", raw), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(
        e.message,
        /middleware:zookeeper\.replicas: must be odd and >= 3 so a majority survives one loss \(got 4\)/,
      );
      return true;
    });
    assert.strictEqual(registered.length, 0);
  });

  it("fails without a resource when a password is missing", async () => {
    const { redisPassword: _omitted, ...rest } = TEST_SECRETS;
    await assert.rejects(runProgram("dev", readStackFile("dev"), rest), /middleware:redisPassword: is required/);
    assert.strictEqual(registered.length, 0);
  });
});

describe("program on the dev stack", () => {
  let run: ProgramRun;
  /** The same stack run again, and with each workload's configuration changed. */
  let again: ProgramRun;
  let reconfigured: ProgramRun;
  before(async () => {
    run = await runProgram("dev", readStackFile("dev"));
    again = await runProgram("dev", readStackFile("dev"));
    const dev = readStackFile("dev") as Record<string, any>;
    reconfigured = await runProgram("dev", {
      ...dev,
      zookeeper: { ...dev.zookeeper, tickTime: 3000 },
      redis: { ...dev.redis, maxmemory: "100mb" },
      redisCluster: { ...dev.redisCluster, maxmemory: "100mb" },
      redisSentinel: { ...dev.redisSentinel, maxmemory: "100mb", downAfterMs: 6000 },
    });
  });

  const workloads = [
    { sts: "zookeeper", replicas: 3, app: "zookeeper" },
    { sts: "redis", replicas: 1, app: "redis" },
    { sts: "redis-cluster", replicas: 6, app: "redis-cluster" },
    { sts: "redis-sentinel-data", replicas: 3, app: "redis-sentinel-data" },
    { sts: "redis-sentinel", replicas: 3, app: "redis-sentinel" },
  ];

  it("declares exactly the five StatefulSets", () => {
    assert.deepStrictEqual(
      of(run, T.sts)
        .map((r) => [r.inputs.metadata.name, r.inputs.spec.replicas])
        .sort(),
      workloads.map((w) => [w.sts, w.replicas]).sort(),
    );
  });

  it("puts every namespaced object in the stack's namespace", () => {
    for (const r of run.resources.filter(
      (x) => x.type.startsWith("kubernetes:") && ![T.pv, "kubernetes:core/v1:Namespace"].includes(x.type),
    )) {
      assert.strictEqual(r.inputs.metadata.namespace, "middleware-dev", `${r.type} ${r.name}`);
    }
  });

  for (const w of workloads) {
    describe(w.sts, () => {
      const sts = () => named(run, T.sts, w.sts).inputs;
      const pod = () => sts().spec.template;

      it("selects its pods with labels the pods carry", () => {
        const selector = sts().spec.selector.matchLabels;
        assert.strictEqual(selector["app.kubernetes.io/name"], w.app);
        for (const [k, v] of Object.entries(selector)) assert.strictEqual(pod().metadata.labels[k], v);
      });

      it("uses the same selector for Services, PDB, anti-affinity and NetworkPolicy", () => {
        const selector = sts().spec.selector.matchLabels;
        assert.deepStrictEqual(named(run, T.svc, `${w.sts}-headless`).inputs.spec.selector, selector);
        assert.deepStrictEqual(named(run, T.svc, w.sts).inputs.spec.selector, selector);
        assert.deepStrictEqual(named(run, T.pdb, w.sts).inputs.spec.selector.matchLabels, selector);
        assert.strictEqual(named(run, T.pdb, w.sts).inputs.spec.maxUnavailable, 1);
        const term =
          pod().spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
        assert.deepStrictEqual(term.labelSelector.matchLabels, selector);
        assert.strictEqual(term.topologyKey, "kubernetes.io/hostname");
        assert.deepStrictEqual(named(run, T.netpol, w.sts).inputs.spec.podSelector.matchLabels, selector);
      });

      it("has a headless Service that publishes not-ready pods, and starts pods in parallel", () => {
        const headless = named(run, T.svc, `${w.sts}-headless`).inputs.spec;
        assert.strictEqual(headless.clusterIP, "None");
        assert.strictEqual(headless.publishNotReadyAddresses, true);
        assert.strictEqual(sts().spec.serviceName, `${w.sts}-headless`);
        assert.strictEqual(sts().spec.podManagementPolicy, "Parallel");
      });

      it("binds one Retain NFS volume to each claim its template produces", () => {
        const template = sts().spec.volumeClaimTemplates[0];
        for (let i = 0; i < w.replicas; i++) {
          const pv = named(run, T.pv, `middleware-dev-${w.sts}-${i}`).inputs.spec;
          assert.deepStrictEqual(pv.claimRef, {
            namespace: "middleware-dev",
            name: `${template.metadata.name}-${w.sts}-${i}`,
          });
          assert.deepStrictEqual(pv.nfs, {
            server: "nfs.dev.example.internal",
            path: `/exports/middleware/${w.sts}-${i}`,
          });
          assert.strictEqual(pv.persistentVolumeReclaimPolicy, "Retain");
          // A hard mount (an outage blocks writes, never fails them), at the default NFS version.
          assert.deepStrictEqual(pv.mountOptions, ["nfsvers=4.1", "hard"]);
          assert.strictEqual(pv.storageClassName, template.spec.storageClassName);
          assert.strictEqual(pv.capacity.storage, template.spec.resources.requests.storage);
        }
        assert.ok(!of(run, T.pv).some((p) => p.inputs.metadata.name === `middleware-dev-${w.sts}-${w.replicas}`));
      });

      it("creates the per-replica export directories with a Job that alone mounts the root, for as long as it runs", () => {
        // No root volume, claim or Job the stack keeps: the provider makes them and removes them.
        assert.ok(!of(run, T.pv).some((p) => p.inputs.metadata.name === `middleware-dev-${w.sts}-root`));
        assert.ok(!of(run, T.job).length && !of(run, T.pvc).length, "no Job or claim outside the provider");
        const dirsResource = of(run, T.dynamic).find((r) => r.name === `${w.sts}-volumes-dirs`)!.inputs;
        const job = dirsResource.job.spec.template.spec;
        const dirs = Array.from({ length: w.replicas }, (_, i) => `/volumes/${w.sts}-${i}`);
        assert.deepStrictEqual(dirsResource.directories, dirs);
        assert.deepStrictEqual(job.containers[0].command, ["mkdir", "-p", ...dirs]);
        const rootPv = dirsResource.volume;
        assert.strictEqual(rootPv.metadata.name, `middleware-dev-${w.sts}-root`);
        assert.deepStrictEqual(rootPv.spec.nfs, { server: "nfs.dev.example.internal", path: "/exports/middleware" });
        assert.strictEqual(rootPv.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.deepStrictEqual(rootPv.spec.claimRef, {
          namespace: "middleware-dev",
          name: dirsResource.claim.metadata.name,
        });
        assert.strictEqual(dirsResource.claim.spec.volumeName, rootPv.metadata.name);
        assert.strictEqual(job.volumes[0].persistentVolumeClaim.claimName, dirsResource.claim.metadata.name);
        assert.strictEqual(job.containers[0].securityContext.allowPrivilegeEscalation, false);
      });

      it("runs non-root with no privilege escalation, no capabilities and resource limits", () => {
        assert.strictEqual(pod().spec.securityContext.runAsNonRoot, true);
        for (const c of pod().spec.containers) {
          assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
          assert.deepStrictEqual(c.securityContext.capabilities.drop, ["ALL"]);
          assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
          assert.ok(c.resources.limits.cpu && c.resources.limits.memory, "limits");
          assert.ok(c.resources.requests.cpu && c.resources.requests.memory, "requests");
        }
      });

      it("has readiness and liveness probes", () => {
        for (const c of pod().spec.containers) {
          assert.ok(c.readinessProbe?.exec?.command?.length, "readiness");
          assert.ok(c.livenessProbe?.exec?.command?.length, "liveness");
        }
      });

      // A fault-suite run lost all three sentinels to liveness probes that timed out (5 s) while
      // a roll loaded the node, and they crash-looped for 13 minutes: a busy node is not a dead server.
      it("restarts a container only after a minute without an answer, each probe allowed 10 s, none probing more than every 10 s", () => {
        for (const c of pod().spec.containers) {
          const live = c.livenessProbe;
          assert.ok(live.timeoutSeconds >= 10, `${c.name}: liveness allowed ${live.timeoutSeconds} s`);
          assert.ok(
            live.periodSeconds * live.failureThreshold >= 60,
            `${c.name}: restarted after ${live.periodSeconds * live.failureThreshold} s`,
          );
          for (const p of [c.readinessProbe, c.livenessProbe])
            assert.ok(
              p.periodSeconds >= 10 && p.timeoutSeconds >= 10,
              `${c.name}: a probe every ${p.periodSeconds} s, allowed ${p.timeoutSeconds} s`,
            );
          if (c.startupProbe)
            assert.ok(
              c.startupProbe.timeoutSeconds >= 10,
              `${c.name}: startup probe allowed ${c.startupProbe.timeoutSeconds} s`,
            );
        }
      });

      it("pulls its image from Harbor by digest with the pull secret", () => {
        for (const c of pod().spec.containers)
          assert.match(c.image, /^harbor\.dev\.example\.internal\/middleware\/[a-z-]+@sha256:[0-9a-f]{64}$/);
        assert.deepStrictEqual(pod().spec.imagePullSecrets, [{ name: "harbor-pull" }]);
      });

      it("rolls its pods when its config changes, and only then", () => {
        const of = (r: ProgramRun) => ({
          config: named(r, T.cm, `${w.sts}-config`).inputs.data,
          annotation: named(r, T.sts, w.sts).inputs.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION],
        });
        const [base, same, changed] = [of(run), of(again), of(reconfigured)];
        assert.ok(base.annotation, "no config hash on the pod template");
        assert.strictEqual(same.annotation, base.annotation, "the same configuration rolls the pods");
        assert.notDeepStrictEqual(changed.config, base.config, "the test changed nothing in this workload's config");
        assert.notStrictEqual(changed.annotation, base.annotation, "a new configuration leaves the pods as they are");
      });
    });
  }

  it("renders zoo.cfg from stable DNS names with the four-letter words the probes use", () => {
    const cfg: string = named(run, T.cm, "zookeeper-config").inputs.data["zoo.cfg"];
    for (let i = 0; i < 3; i++) {
      assert.ok(
        cfg.includes(`server.${i + 1}=zookeeper-${i}.zookeeper-headless.middleware-dev.svc.cluster.local:2888:3888`),
      );
    }
    assert.match(cfg, /^4lw\.commands\.whitelist=srvr,mntr,ruok$/m);
  });

  it("keeps a master-following Service for Sentinel, labelled by a sidecar that may patch only the data pods, and mounts the formation marker", () => {
    const svc = named(run, T.svc, "redis-sentinel-master").inputs.spec;
    assert.deepStrictEqual(svc.selector, {
      "app.kubernetes.io/name": "redis-sentinel-data",
      "app.kubernetes.io/instance": "redis-sentinel-data",
      "middleware/redis-role": "master",
    });
    assert.deepStrictEqual(svc.ports, [{ name: "redis", port: 6379, targetPort: 6379 }]);
    const role = named(run, "kubernetes:rbac.authorization.k8s.io/v1:Role", "redis-sentinel-data-role-label").inputs;
    assert.deepStrictEqual(role.rules, [
      {
        apiGroups: [""],
        resources: ["pods"],
        resourceNames: ["redis-sentinel-data-0", "redis-sentinel-data-1", "redis-sentinel-data-2"],
        verbs: ["get", "patch"],
      },
    ]);
    const spec = named(run, T.sts, "redis-sentinel-data").inputs.spec.template.spec;
    assert.strictEqual(spec.serviceAccountName, "redis-sentinel-data-role-label");
    assert.strictEqual(spec.automountServiceAccountToken, true);
    const marker = spec.volumes.find((v: any) => v.configMap?.name === "redis-sentinel-formation");
    assert.deepStrictEqual(marker?.configMap, { name: "redis-sentinel-formation", optional: true });
    assert.match(named(run, T.cm, "redis-sentinel-formation").inputs.data.formed, /passed its health assertion/);
    const sidecar = spec.containers.find((c: any) => c.name === "role-label");
    assert.deepStrictEqual(sidecar.command, ["/usr/local/bin/redis-role-label"]);
    assert.strictEqual(sidecar.image, spec.containers[0].image);
    assert.deepStrictEqual(sidecar.securityContext, spec.containers[0].securityContext);
    assert.ok(!sidecar.volumeMounts.some((m: any) => m.mountPath === "/etc/auth"), "no password mounted");
    for (const sts of ["redis", "redis-cluster", "redis-sentinel", "zookeeper"]) {
      const other = named(run, T.sts, sts).inputs.spec.template.spec;
      assert.strictEqual(other.automountServiceAccountToken, false, `${sts} mounts no API token`);
      assert.strictEqual(other.containers.length, 1);
    }
  });

  it("runs a sidecar beside each Sentinel data pod that follows the sentinels' master, with the handover password alone", () => {
    const spec = named(run, T.sts, "redis-sentinel-data").inputs.spec.template.spec;
    const sidecar = spec.containers.find((c: any) => c.name === "follow-sentinels");
    assert.deepStrictEqual(sidecar.command, ["/usr/local/bin/redis-follow-sentinels"]);
    assert.strictEqual(sidecar.image, spec.containers[0].image);
    assert.deepStrictEqual(sidecar.securityContext, spec.containers[0].securityContext);
    const env = Object.fromEntries(sidecar.env.filter((e: any) => e.value).map((e: any) => [e.name, e.value]));
    assert.strictEqual(
      env.SENTINEL_PEERS,
      [0, 1, 2].map((i) => `redis-sentinel-${i}.redis-sentinel-headless.middleware-dev.svc.cluster.local`).join(" "),
    );
    assert.strictEqual(env.MASTER_NAME, "mymaster");
    assert.match(env.DEFAULT_MASTER_HOST, /^redis-sentinel-data-0\.redis-sentinel-data-headless\./);
    const auth = sidecar.volumeMounts.find((m: any) => m.mountPath === "/etc/auth");
    assert.strictEqual(auth.readOnly, true);
    const volume = spec.volumes.find((v: any) => v.name === auth.name);
    assert.deepStrictEqual(volume.secret.items, [{ key: "handover-password", path: "handover-password" }]);
    assert.strictEqual(volume.secret.secretName, spec.volumes.find((v: any) => v.name === "auth").secret.secretName);
    assert.ok(sidecar.livenessProbe.exec.command.includes("--check"));
  });

  it("mounts in each Redis container only the passwords it sends, and hashes of the ones it checks: never the client's or admin's", () => {
    const mounted = (sts: string, container: string) => {
      const spec = named(run, T.sts, sts).inputs.spec.template.spec;
      const c = spec.containers.find((x: any) => x.name === container);
      const mount = c.volumeMounts.find((m: any) => m.mountPath === "/etc/auth");
      return spec.volumes
        .find((v: any) => v.name === mount.name)
        .secret.items.map((i: any) => i.key)
        .sort();
    };
    const hashes = (...files: string[]) => files.map((f) => `${f}.sha256`);
    assert.deepStrictEqual(
      mounted("redis", "redis"),
      ["replication-password", ...hashes("admin-password", "password")].sort(),
    );
    assert.deepStrictEqual(
      mounted("redis-cluster", "redis"),
      [
        "cluster-peers-password",
        "handover-password",
        "replication-password",
        ...hashes("admin-password", "password"),
      ].sort(),
    );
    assert.deepStrictEqual(
      mounted("redis-sentinel-data", "redis"),
      [
        "discovery-password",
        "handover-password",
        "replication-password",
        ...hashes("admin-password", "password", "sentinel-password"),
      ].sort(),
    );
    assert.deepStrictEqual(
      mounted("redis-sentinel", "sentinel"),
      [
        "discovery-password",
        "sentinel-password",
        "sentinel-peer-password",
        ...hashes("admin-password", "handover-password", "password"),
      ].sort(),
    );
    // The Secret holds each hash beside its password, from the same value.
    const data = unwrap(named(run, T.secret, "redis-cluster-auth").inputs.stringData) as Record<string, string>;
    assert.strictEqual(data["password.sha256"], createHash("sha256").update(data.password).digest("hex"));
  });

  it("purges ZooKeeper's old snapshots and logs hourly, keeping three", () => {
    const cfg: string = named(run, T.cm, "zookeeper-config").inputs.data["zoo.cfg"];
    assert.match(cfg, /^autopurge\.purgeInterval=1$/m);
    assert.match(cfg, /^autopurge\.snapRetainCount=3$/m);
  });

  it("mounts the ZooKeeper formation marker, written only after the first passed assertion, and gives a waiting member time", () => {
    const spec = named(run, T.sts, "zookeeper").inputs.spec.template.spec;
    const vol = spec.volumes.find((v: any) => v.configMap?.name === "zookeeper-formation");
    assert.deepStrictEqual(
      vol?.configMap,
      { name: "zookeeper-formation", optional: true },
      "optional: pods start before it exists",
    );
    assert.deepStrictEqual(
      spec.containers[0].volumeMounts.find((m: any) => m.name === vol.name),
      { name: vol.name, mountPath: "/etc/formation", readOnly: true },
    );
    const marker = named(run, T.cm, "zookeeper-formation");
    assert.match(marker.inputs.data.formed, /passed its health assertion/);
    assert.deepStrictEqual(spec.containers[0].startupProbe.exec.command, ["/usr/local/bin/zk-probe", "live"]);
    assert.ok(spec.containers[0].startupProbe.periodSeconds * spec.containers[0].startupProbe.failureThreshold >= 300);
  });

  it("keeps Redis Cluster readiness on the probe (PING and a replica's link, not cluster state), announces hostnames and redirects to addresses", () => {
    const c = named(run, T.sts, "redis-cluster").inputs.spec.template.spec.containers[0];
    assert.deepStrictEqual(c.readinessProbe.exec.command, ["/usr/local/bin/redis-probe", "ready", "6379"]);
    const conf: string = named(run, T.cm, "redis-cluster-config").inputs.data["redis.conf"];
    assert.match(conf, /^cluster-enabled yes$/m);
    assert.match(conf, /^cluster-config-file \/data\/nodes\.conf$/m);
    // The pod's DNS name goes in with cluster-announce-hostname (POD_DOMAIN below); redirects carry the IP.
    assert.match(conf, /^cluster-preferred-endpoint-type ip$/m);
    assert.deepStrictEqual(
      c.env.find((e: any) => e.name === "POD_DOMAIN").value,
      "redis-cluster-headless.middleware-dev.svc.cluster.local",
    );
  });

  it("lets only peers reach the cluster bus and ZooKeeper quorum ports", () => {
    const np = named(run, T.netpol, "redis-cluster").inputs.spec;
    const clientRule = np.ingress.find((r: any) =>
      r.from.some(
        (f: any) =>
          (f.podSelector && Object.keys(f.podSelector).length === 0) || f.podSelector?.matchLabels === undefined,
      ),
    );
    assert.deepStrictEqual(
      clientRule.ports.map((p: any) => p.port),
      [6379],
    );
    const zk = named(run, T.netpol, "zookeeper").inputs.spec;
    const peerRule = zk.ingress.find((r: any) => r.from[0].podSelector?.matchLabels);
    assert.deepStrictEqual(peerRule.ports.map((p: any) => p.port).sort(), [2181, 2888, 3888]);
  });

  it("configures Sentinel quorum and timeouts from config", () => {
    const conf: string = named(run, T.cm, "redis-sentinel-config").inputs.data["sentinel.conf"];
    assert.match(conf, /^sentinel monitor mymaster @MASTER_HOST@ 6379 2$/m);
    assert.match(conf, /^sentinel down-after-milliseconds mymaster 5000$/m);
    assert.match(conf, /^sentinel failover-timeout mymaster 60000$/m);
  });

  it("holds every password only as a Pulumi secret, in every resource", () => {
    for (const r of run.resources) {
      const text = JSON.stringify(plaintextOf(r.inputs));
      for (const s of secretValues) assert.ok(!text.includes(s), `${r.type} ${r.name} contains a password`);
    }
  });

  it("gives Redis its passwords as mounted Secret files and keeps them off the command line", () => {
    for (const name of ["redis", "redis-cluster", "redis-sentinel-data", "redis-sentinel"]) {
      const spec = named(run, T.sts, name).inputs.spec.template.spec;
      const auth = spec.volumes.find((v: any) => v.name === "auth");
      assert.ok(auth?.secret?.secretName, `${name} mounts an auth Secret`);
      const secret = named(run, T.secret, auth.secret.secretName).inputs;
      const internal =
        {
          redis: ["replication-password"],
          "redis-cluster": ["replication-password", "cluster-peers-password", "handover-password"],
          "redis-sentinel-data": [
            "discovery-password",
            "handover-password",
            "replication-password",
            "sentinel-password",
            "sentinel-peer-password",
          ],
        }[name === "redis-sentinel" ? "redis-sentinel-data" : name] ?? [];
      const plain = ["admin-password", "password", ...internal];
      assert.deepStrictEqual(
        Object.keys(unwrap(secret.stringData)).sort(),
        [...plain, ...plain.map((f) => `${f}.sha256`)].sort(),
      );
      // Internal passwords are derived (64 hex), distinct per user, and none is a configured secret.
      const files = unwrap(secret.stringData) as Record<string, string>;
      for (const f of internal) assert.match(files[f], /^[0-9a-f]{64}$/);
      assert.strictEqual(new Set(Object.values(files)).size, Object.keys(files).length);
      assert.ok(!internal.some((f) => secretValues.includes(files[f] as never)));
      const c = spec.containers[0];
      assert.ok(!(c.env ?? []).some((e: any) => /PASS/i.test(e.name)), `${name} has no password env`);
    }
  });

  it("names every Redis Cluster pod to each node, which finds its peers again after they move", () => {
    const sts = named(run, T.sts, "redis-cluster").inputs.spec;
    const env = sts.template.spec.containers[0].env.find((e: any) => e.name === "CLUSTER_PEERS")?.value;
    const hosts = String(env).split(" ");
    assert.strictEqual(hosts.length, sts.replicas);
    hosts.forEach((h, i) =>
      assert.match(h, new RegExp(`^redis-cluster-${i}\\.redis-cluster-headless\\.[a-z0-9-]+\\.svc\\.cluster\\.local$`)),
    );
  });

  it("lets a Sentinel or cluster master hand its role to a replica before it stops, within the grace period", () => {
    const data = named(run, T.sts, "redis-sentinel-data").inputs.spec.template.spec;
    assert.deepStrictEqual(data.containers[0].lifecycle?.preStop?.exec?.command, ["/usr/local/bin/redis-handover"]);
    const timeout = Number(data.containers[0].env.find((e: any) => e.name === "HANDOVER_TIMEOUT_SECONDS")?.value);
    assert.ok(
      timeout > 0 && data.terminationGracePeriodSeconds >= timeout + 20,
      "the grace period covers the handover and the shutdown after it",
    );
    const peers = data.containers[0].env.find((e: any) => e.name === "SENTINEL_PEERS")?.value;
    assert.deepStrictEqual(
      peers.split(" "),
      [0, 1, 2].map((i) => `redis-sentinel-${i}.redis-sentinel-headless.middleware-dev.svc.cluster.local`),
    );
    const cluster = named(run, T.sts, "redis-cluster").inputs.spec.template.spec;
    assert.deepStrictEqual(cluster.containers[0].lifecycle?.preStop?.exec?.command, [
      "/usr/local/bin/redis-cluster-handover",
    ]);
    const clusterTimeout = Number(
      cluster.containers[0].env.find((e: any) => e.name === "HANDOVER_TIMEOUT_SECONDS")?.value,
    );
    assert.ok(clusterTimeout > 0 && cluster.terminationGracePeriodSeconds >= clusterTimeout + 20);
    for (const name of ["redis", "redis-sentinel"]) {
      assert.strictEqual(
        named(run, T.sts, name).inputs.spec.template.spec.containers[0].lifecycle,
        undefined,
        `${name} has no handover`,
      );
    }
  });

  it("makes the pull secret a dockerconfigjson with the pull-only account; the push account stays with the build", () => {
    const s = named(run, T.secret, "harbor-pull").inputs;
    assert.strictEqual(s.type, "kubernetes.io/dockerconfigjson");
    assert.ok(isSecret(s.stringData));
    const cfg = JSON.parse(unwrap(s.stringData)[".dockerconfigjson"]);
    assert.deepStrictEqual(Object.keys(cfg.auths), ["harbor.dev.example.internal"]);
    const auth = cfg.auths["harbor.dev.example.internal"];
    assert.deepStrictEqual(
      [auth.username, auth.password],
      ["robot$middleware+puller", TEST_SECRETS.registryPullPassword],
    );
    for (const r of run.resources.filter((x) => x.type !== T.image)) {
      const text = JSON.stringify(r.inputs);
      assert.ok(
        !text.includes(TEST_SECRETS.registryPassword) && !text.includes("robot$middleware+deployer"),
        `${r.type} ${r.name} carries the push credential`,
      );
    }
    for (const image of of(run, T.image))
      assert.ok(
        JSON.stringify(image.inputs).includes("robot$middleware+deployer"),
        "the build pushes with the push account",
      );
  });

  it("accepts the previous client password on every Redis server and sentinel while redisPreviousPassword is set, as a hash", async () => {
    const rotating = await runProgram("dev", readStackFile("dev"), {
      ...TEST_SECRETS,
      redisPassword: "redis-rotated-password-555",
      redisPreviousPassword: TEST_SECRETS.redisPassword,
    });
    const defaultUser = (r: ProgramRun, cm: string, file: string) =>
      (named(r, T.cm, cm).inputs.data[file] as string).split("\n").find((l) => l.startsWith("user default "))!;
    const configs = [
      ["redis-config", "redis.conf"],
      ["redis-cluster-config", "redis.conf"],
      ["redis-sentinel-data-config", "redis.conf"],
      ["redis-sentinel-config", "sentinel.conf"],
    ];
    for (const [cm, file] of configs) {
      assert.match(defaultUser(rotating, cm, file), /^user default on @HASH:password@ @HASH:previous-password@ /, cm);
      // Outside a rotation only the current password.
      assert.doesNotMatch(defaultUser(run, cm, file), /previous-password/, cm);
    }
    for (const sts of ["redis", "redis-cluster", "redis-sentinel-data", "redis-sentinel"]) {
      const spec = named(rotating, T.sts, sts).inputs.spec.template.spec;
      const items = spec.volumes.find((v: any) => v.name === "auth").secret.items.map((i: any) => i.key);
      assert.ok(items.includes("previous-password.sha256"), `${sts} mounts the previous password's hash`);
      assert.ok(!items.includes("previous-password"), `${sts} never mounts the previous password itself`);
    }
    const data = unwrap(named(rotating, T.secret, "redis-auth").inputs.stringData) as Record<string, string>;
    assert.strictEqual(
      data["previous-password.sha256"],
      createHash("sha256").update(TEST_SECRETS.redisPassword).digest("hex"),
    );
    assert.ok(!("previous-password" in (unwrap(named(run, T.secret, "redis-auth").inputs.stringData) as object)));
    // ZooKeeper is not part of it: its digest users have one password each.
    assert.deepStrictEqual(named(rotating, T.sts, "zookeeper").inputs.spec, named(run, T.sts, "zookeeper").inputs.spec);
  });

  it("rolls a workload's pods when one of its passwords changes, with a salted fingerprint that reveals none", async () => {
    const fingerprints = (r: ProgramRun) =>
      Object.fromEntries(
        ["redis", "redis-cluster", "redis-sentinel-data", "redis-sentinel", "zookeeper"].map((n) => [
          n,
          named(r, T.sts, n).inputs.spec.template.metadata.annotations[AUTH_FINGERPRINT_ANNOTATION],
        ]),
      );
    const before = fingerprints(run);
    for (const n of ["redis", "redis-cluster", "redis-sentinel-data", "redis-sentinel", "zookeeper"])
      assert.match(before[n], /^[0-9a-f]{32}$/);
    // Same passwords in two workloads, different fingerprints: the salt is per Secret (Sentinel's two StatefulSets share one).
    assert.notStrictEqual(before.redis, before["redis-cluster"]);
    assert.strictEqual(before["redis-sentinel"], before["redis-sentinel-data"]);
    const sha = (x: string) => createHash("sha256").update(x).digest("hex");
    const annotations = JSON.stringify(run.resources.map((r) => r.inputs?.spec?.template?.metadata?.annotations ?? {}));
    for (const v of secretValues)
      assert.ok(!annotations.includes(sha(v).slice(0, 16)), "no unsalted hash of a password in an annotation");
    const rotated = await runProgram("dev", readStackFile("dev"), {
      ...TEST_SECRETS,
      redisPassword: "redis-rotated-password-555",
    });
    const after = fingerprints(rotated);
    for (const n of ["redis", "redis-cluster", "redis-sentinel-data", "redis-sentinel"])
      assert.notStrictEqual(after[n], before[n], `${n} rolls`);
    assert.deepStrictEqual(named(rotated, T.sts, "zookeeper").inputs.spec, named(run, T.sts, "zookeeper").inputs.spec);
    const zkRotated = fingerprints(
      await runProgram("dev", readStackFile("dev"), { ...TEST_SECRETS, zookeeperPassword: "zookeeper-rotated-pw-777" }),
    );
    assert.notStrictEqual(zkRotated.zookeeper, before.zookeeper, "zookeeper rolls");
    for (const n of ["redis", "redis-cluster", "redis-sentinel"])
      assert.strictEqual(zkRotated[n], before[n], `${n} does not roll`);
  });

  it("derives each Redis workload's internal passwords for it alone, and holds the switch on deployed pods", () => {
    const secretOf = (w: string) => named(run, T.secret, `${w}-auth`).inputs.stringData.value;
    const [redis, cluster, sentinel] = ["redis", "redis-cluster", "redis-sentinel"].map(secretOf);
    // One workload's replication password must sync no other workload's data.
    const replication = [redis, cluster, sentinel].map((s) => s[AuthFile.Replication]);
    assert.strictEqual(new Set(replication).size, 3, "three workloads, three replication passwords");
    assert.notStrictEqual(cluster[AuthFile.Handover], sentinel[AuthFile.Handover], "nor one handover password");
    for (const s of [redis, cluster, sentinel]) assert.match(s[AuthFile.Replication], /^[0-9a-f]{64}$/);
    // Rolled one pod at a time, the cluster and the Sentinel set would split: created on deployed
    // pods, the guards stop up until they are stopped.
    for (const w of ["redis-cluster", "redis-sentinel"]) {
      const guard = of(run, T.dynamic).find((r) => r.name === `${w}-internal-passwords`)!.inputs;
      assert.strictEqual(guard.stoppedToCreate, true);
      assert.ok(guard.members.length >= 6, `${w}: every pod of the set is a member`);
    }
  });

  it("makes ZooKeeper clients and peers authenticate, with passwords only in the mounted Secret", () => {
    const cfg = named(run, T.cm, "zookeeper-config").inputs.data["zoo.cfg"] as string;
    for (const line of ZOO_AUTH_LINES) assert.ok(cfg.split("\n").includes(line), `zoo.cfg has ${line}`);
    assert.ok(!/superDigest/.test(cfg), "super's digest is rendered in the pod, not in the ConfigMap");
    const secret = named(run, T.secret, "zookeeper-auth").inputs.stringData.value;
    assert.deepStrictEqual(secret, {
      password: TEST_SECRETS.zookeeperPassword,
      "admin-password": TEST_SECRETS.zookeeperAdminPassword,
      // A known answer: HMAC-SHA256(internalSecret, "middleware/quorum-password"). Pinned, because a
      // deployed ensemble's members must keep deriving the same one across program versions.
      "quorum-password": "a0a22900fff510450bd4235ab5ae79ff519045207f16613ca6dc44001ae97931",
    });
    const spec = named(run, T.sts, "zookeeper").inputs.spec.template.spec;
    assert.ok(
      spec.volumes.some((v: any) => v.secret?.secretName === "zookeeper-auth"),
      "the auth Secret is a volume",
    );
    assert.ok(
      spec.containers[0].volumeMounts.some((m: any) => m.mountPath === "/etc/auth" && m.readOnly),
      "mounted read-only at /etc/auth",
    );
    const health = of(run, T.dynamic).find((r) => r.name === "zookeeper-health");
    assert.strictEqual(health?.inputs.clientUser, ZOOKEEPER_CLIENT_USER);
  });

  it("admits only pods labelled as ZooKeeper clients to ZooKeeper's client port", () => {
    const ingress = named(run, T.netpol, "zookeeper").inputs.spec.ingress;
    const clientRule = ingress.find(
      (r: any) => r.ports.some((p: any) => p.port === 2181) && !r.ports.some((p: any) => p.port === 2888),
    );
    for (const peer of clientRule.from)
      assert.deepStrictEqual(peer.podSelector, { matchLabels: ZOOKEEPER_CLIENT_LABEL }, JSON.stringify(peer));
    const redisRule = named(run, T.netpol, "redis").inputs.spec.ingress[1];
    assert.deepStrictEqual(
      redisRule.from[0].podSelector,
      {},
      "Redis keeps admitting every pod of the namespace (the password guards it)",
    );
  });

  it("builds each image once with a content tag, never latest", () => {
    const names = of(run, T.image)
      .map((r) => r.inputs.imageName as string)
      .sort();
    assert.strictEqual(names.length, 2);
    for (const n of names)
      assert.match(n, /^harbor\.dev\.example\.internal\/middleware\/(redis|zookeeper):[0-9a-f]{12}$/);
  });

  it("builds on the stack's packages day: a build argument the Dockerfiles' apt layer uses, and part of the tag", async () => {
    const day = await runProgram("dev", { ...readStackFile("dev"), images: { packagesAsOf: "2027-01-15" } });
    for (const image of of(day, T.image)) {
      assert.strictEqual(image.inputs.build.args.PACKAGES_AS_OF, "2027-01-15");
      const before = of(run, T.image).find((r) => r.name === image.name)!;
      assert.notStrictEqual(image.inputs.imageName, before.inputs.imageName, "another day, another tag");
    }
    for (const dir of ["redis", "zookeeper"])
      assert.match(
        fs.readFileSync(path.join(ROOT, "images", dir, "Dockerfile"), "utf8"),
        /^ARG PACKAGES_AS_OF=\n(#.*\n)*RUN [^\n]*\n && echo "Debian packages as of \$\{PACKAGES_AS_OF/m,
      );
  });
});

describe("program storage modes", () => {
  it("storageClass mode provisions through the class and registers no PV or Job", async () => {
    const raw = { ...readStackFile("dev"), storage: { mode: "storageClass", storageClassName: "fast-ssd" } };
    const run = await runProgram("dev", raw);
    assert.strictEqual(of(run, T.pv).length, 0);
    assert.strictEqual(of(run, T.job).length, 0);
    for (const s of of(run, T.sts))
      assert.strictEqual(s.inputs.spec.volumeClaimTemplates[0].spec.storageClassName, "fast-ssd");
  });

  it("local mode uses the same PV/PVC shape with a local source pinned to the node", async () => {
    const raw = {
      ...readStackFile("dev"),
      storage: { mode: "local", local: { path: "/var/lib/middleware", node: "node-1" } },
    };
    const run = await runProgram("dev", raw);
    const pv = named(run, T.pv, "middleware-dev-zookeeper-1").inputs.spec;
    assert.deepStrictEqual(pv.local, { path: "/var/lib/middleware/zookeeper-1" });
    assert.deepStrictEqual(pv.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, ["node-1"]);
    assert.deepStrictEqual(pv.claimRef, { namespace: "middleware-dev", name: "data-zookeeper-1" });
  });

  it("names every pod and Service in the stack's cluster DNS domain", async () => {
    const run = await runProgram("dev", { ...readStackFile("dev"), clusterDomain: "corp.internal" });
    const everything = JSON.stringify(run.resources.map((r) => plaintextOf(r.inputs)));
    assert.ok(!everything.includes("cluster.local"), "no name in the default domain is left");
    const zone = "middleware-dev.svc.corp.internal";
    for (const sts of of(run, T.sts)) {
      const env = sts.inputs.spec.template.spec.containers[0].env as { name: string; value?: string }[];
      assert.strictEqual(
        env.find((e) => e.name === "POD_DOMAIN")?.value,
        `${sts.inputs.metadata.name}-headless.${zone}`,
      );
    }
    assert.match(
      String(named(run, T.cm, "zookeeper-config").inputs.data["zoo.cfg"]),
      new RegExp(`^server\\.1=zookeeper-0\\.zookeeper-headless\\.${zone.replace(/\./g, "\\.")}:`, "m"),
    );
    const sentinelEnv = named(run, T.sts, "redis-sentinel-data").inputs.spec.template.spec.containers[0].env as {
      name: string;
      value?: string;
    }[];
    assert.strictEqual(sentinelEnv.find((e) => e.name === "SENTINEL_HOST")?.value, `redis-sentinel.${zone}`);
    const clusterHealth = of(run, T.dynamic).find((r) => r.name === "redis-cluster-health")!;
    for (const n of clusterHealth.inputs.nodes as string[])
      assert.ok(n.endsWith(`.redis-cluster-headless.${zone}:6379`), n);
  });

  it("admits an in-cluster runner's namespace to every workload's client ports, and nowhere else", async () => {
    const dev = readStackFile("dev");
    const run = await runProgram("dev", {
      ...dev,
      health: { ...(dev.health as object), runnerNamespace: "pulumi-operator" },
    });
    const runnerPeer = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "pulumi-operator" } } };
    const peerPorts: Record<string, number[]> = { zookeeper: [2888, 3888], "redis-cluster": [16379] };
    for (const np of of(run, T.netpol)) {
      const rules = (np.inputs.spec.ingress as any[]).filter((r) =>
        r.from.some((f: any) => JSON.stringify(f) === JSON.stringify(runnerPeer)),
      );
      assert.strictEqual(rules.length, 1, `${np.name}: one rule admits the runner`);
      const ports = rules[0].ports.map((p: any) => p.port);
      assert.ok(
        ports.length > 0 && !ports.some((p: number) => (peerPorts[np.inputs.metadata.name] ?? []).includes(p)),
        `${np.name}: client ports only, got ${ports}`,
      );
    }
    const zkClientRule = (named(run, T.netpol, "zookeeper").inputs.spec.ingress as any[]).find((r) =>
      r.from.some((f: any) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "pulumi-operator"),
    );
    assert.deepStrictEqual(
      zkClientRule.ports.map((p: any) => p.port),
      [2181],
      "the runner reaches ZooKeeper's client port without the client label",
    );
    const without = await runProgram("dev", { ...dev, health: {} });
    assert.ok(!JSON.stringify(of(without, T.netpol).map((n) => n.inputs)).includes("pulumi-operator"));
  });

  it("checks the node count for required anti-affinity with every pod to spread, and not with preferred", async () => {
    const dev = readStackFile("dev");
    const required = of(await runProgram("dev", { ...dev, scheduling: { antiAffinity: "required" } }), T.dynamic).find(
      (r) => r.name === "node-capacity",
    );
    assert.deepStrictEqual(required?.inputs.pods, {
      zookeeper: 3,
      redis: 1,
      "redis-cluster": 6,
      "redis-sentinel-data": 3,
      "redis-sentinel": 3,
    });
    const preferred = await runProgram("dev", dev);
    assert.ok(!of(preferred, T.dynamic).some((r) => r.name === "node-capacity"));
  });

  it("checks that no other stack keeps volumes in the storage root, except where a StorageClass provisions them", async () => {
    const dev = readStackFile("dev");
    const check = of(await runProgram("dev", dev), T.dynamic).find((r) => r.name === "storage-root");
    assert.deepStrictEqual(
      { namespace: check?.inputs.namespace, root: check?.inputs.root },
      {
        namespace: "middleware-dev",
        root: { kind: "nfs", server: (dev.storage as any).nfs.server, path: (dev.storage as any).nfs.path },
      },
    );
    const provisioned = await runProgram("dev", {
      ...dev,
      storage: { mode: "storageClass", storageClassName: "fast-ssd" },
    });
    assert.ok(!of(provisioned, T.dynamic).some((r) => r.name === "storage-root"));
  });

  it("skips a disabled workload and its image", async () => {
    const raw = { ...readStackFile("dev"), zookeeper: { enabled: false } };
    const run = await runProgram("dev", raw);
    assert.ok(!of(run, T.sts).some((s) => s.inputs.metadata.name === "zookeeper"));
    assert.ok(!of(run, T.image).some((s) => String(s.inputs.imageName).includes("/zookeeper:")));
  });
});
