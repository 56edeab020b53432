import * as assert from "assert";
import { Kind } from "../lib/k8s";
import { policies, policyFactories } from "../policies";
import { stackStatefulsetPdb } from "../policies/availability/stack-statefulset-pdb";
import { stackZookeeperHeadlessNotReady } from "../policies/availability/stack-zookeeper-headless-not-ready";
import { statefulsetAntiAffinityRequired } from "../policies/availability/statefulset-anti-affinity-required";
import { statefulsetAntiAffinitySelector } from "../policies/availability/statefulset-anti-affinity-selector";
import { serviceDataPortProd } from "../policies/exposure/service-data-port-prod";
import { stackSentinelQuorum } from "../policies/quorum/stack-sentinel-quorum";
import {
  MASTERS_ANNOTATION,
  REPLICAS_ANNOTATION,
  statefulsetRedisClusterShape,
} from "../policies/quorum/statefulset-redis-cluster-shape";
import { statefulsetZookeeperReplicasOdd } from "../policies/quorum/statefulset-zookeeper-replicas-odd";
import { redisAuthRequired } from "../policies/security/redis-auth-required";
import { redisTlsRequired } from "../policies/security/redis-tls-required";
import { secretPlaintextForbidden } from "../policies/security/secret-plaintext-forbidden";
import { workloadResourceLimits } from "../policies/security/workload-resource-limits";
import { workloadSecurityContext } from "../policies/security/workload-security-context";
import { zookeeperAuthRequired } from "../policies/security/zookeeper-auth-required";
import { zookeeperTlsRequired } from "../policies/security/zookeeper-tls-required";
import { persistentvolumeNfsHardMount } from "../policies/storage/persistentvolume-nfs-hard-mount";
import { persistentvolumeReclaimRetain } from "../policies/storage/persistentvolume-reclaim-retain";
import { statefulsetDataPersisted } from "../policies/storage/statefulset-data-persisted";
import { workloadNfsInlineForbidden } from "../policies/storage/workload-nfs-inline-forbidden";
import { workloadImagePinned } from "../policies/supply-chain/workload-image-pinned";
import { pdb, statefulSet } from "./fixtures";
import { TestResource, unknownLeaves, unknownObjectValue, violations } from "./harness";

type Mutate = (r: any) => void;
const sts = (app: string, n: number, m: Mutate = () => undefined) => {
  const r = statefulSet(app, n);
  m(r.props);
  return r;
};
const pod = (p: any) => p.spec.template.spec;
const conf = (file: string, text: string) => ({
  type: Kind.ConfigMap,
  props: { metadata: { name: "c" }, data: { [file]: text } },
});
const main = (p: any) => p.spec.template.spec.containers[0];

/** [policy, passing resources, failing resources, expected message, resources with unknown values]. */
const cases: [string, any, TestResource[], TestResource[], RegExp][] = [
  [
    "zookeeper replicas",
    statefulsetZookeeperReplicasOdd(),
    [sts("zookeeper", 3)],
    [sts("zookeeper", 4)],
    /ZooKeeper StatefulSet zookeeper has 4 replicas; use an odd number >= 3/,
  ],
  [
    "redis cluster shape",
    statefulsetRedisClusterShape(),
    [
      sts("redis-cluster", 6, (p) =>
        Object.assign(p.metadata.annotations, { [MASTERS_ANNOTATION]: "3", [REPLICAS_ANNOTATION]: "1" }),
      ),
    ],
    [
      sts("redis-cluster", 5, (p) =>
        Object.assign(p.metadata.annotations, { [MASTERS_ANNOTATION]: "3", [REPLICAS_ANNOTATION]: "1" }),
      ),
    ],
    /runs 5 pods but 3 masters with 1 replica\(s\) each need 6/,
  ],
  [
    "sentinel quorum",
    stackSentinelQuorum(),
    [
      sts("redis-sentinel", 3),
      {
        type: Kind.ConfigMap,
        props: {
          metadata: { name: "redis-sentinel-config" },
          data: { "sentinel.conf": "sentinel monitor m @MASTER_HOST@ 6379 2\n" },
        },
      },
    ],
    [
      sts("redis-sentinel", 3),
      {
        type: Kind.ConfigMap,
        props: {
          metadata: { name: "redis-sentinel-config" },
          data: { "sentinel.conf": "sentinel monitor m @MASTER_HOST@ 6379 1\n" },
        },
      },
    ],
    /has quorum 1 for 3 sentinels; it must be between 2 and 3/,
  ],
  [
    "pdb present and keeping quorum",
    stackStatefulsetPdb(),
    [sts("zookeeper", 5), pdb("zookeeper", { maxUnavailable: 2 })],
    [sts("zookeeper", 5), pdb("zookeeper", { maxUnavailable: 3 })],
    /lets 3 of 5 pods of zookeeper go at once; at most 2 keeps quorum/,
  ],
  [
    "pdb missing",
    stackStatefulsetPdb(),
    [sts("redis", 1), pdb("redis", { maxUnavailable: 1 })],
    [sts("redis", 1)],
    /StatefulSet redis has no PodDisruptionBudget selecting its pods/,
  ],
  [
    "pdb blocking drains",
    stackStatefulsetPdb(),
    [sts("redis-cluster", 6), pdb("redis-cluster", { maxUnavailable: 1 })],
    [sts("redis-cluster", 6), pdb("redis-cluster", { maxUnavailable: 0 })],
    /lets no pod of redis-cluster be evicted, which blocks every node drain/,
  ],
  [
    "anti-affinity selector",
    statefulsetAntiAffinitySelector(),
    [sts("zookeeper", 3)],
    [
      sts(
        "zookeeper",
        3,
        (p) =>
          (pod(p).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels =
            { app: "zk" }),
      ),
    ],
    /has an anti-affinity term selecting \{"app":"zk"\}, which its pods .* do not carry/,
  ],
  [
    "anti-affinity required (advisory)",
    statefulsetAntiAffinityRequired(),
    [sts("zookeeper", 3)],
    [sts("zookeeper", 3, (p) => (pod(p).affinity = {}))],
    /only prefers to spread its pods/,
  ],
  [
    "zookeeper headless publishes not-ready",
    stackZookeeperHeadlessNotReady(),
    [
      sts("zookeeper", 3),
      {
        type: Kind.Service,
        props: {
          metadata: { name: "zookeeper-headless", namespace: "mw" },
          spec: { clusterIP: "None", publishNotReadyAddresses: true },
        },
      },
    ],
    [
      sts("zookeeper", 3),
      {
        type: Kind.Service,
        props: { metadata: { name: "zookeeper-headless", namespace: "mw" }, spec: { clusterIP: "None" } },
      },
    ],
    /Service zookeeper-headless governs ZooKeeper zookeeper but is not headless with publishNotReadyAddresses: true/,
  ],
  [
    "pv retain",
    persistentvolumeReclaimRetain(),
    [
      {
        type: Kind.PersistentVolume,
        props: { metadata: { name: "pv" }, spec: { persistentVolumeReclaimPolicy: "Retain" } },
      },
    ],
    [
      {
        type: Kind.PersistentVolume,
        props: { metadata: { name: "pv" }, spec: { persistentVolumeReclaimPolicy: "Delete" } },
      },
    ],
    /PersistentVolume pv has reclaim policy Delete; use Retain/,
  ],
  [
    "no inline nfs",
    workloadNfsInlineForbidden(),
    [sts("redis", 1)],
    [sts("redis", 1, (p) => pod(p).volumes.push({ name: "share", nfs: { server: "nfs.x", path: "/e" } }))],
    /mounts NFS nfs.x:\/e inline as volume share; declare a PersistentVolume/,
  ],
  [
    "data persisted",
    statefulsetDataPersisted(),
    [sts("redis", 1)],
    [sts("redis", 1, (p) => (p.spec.volumeClaimTemplates = []))],
    /StatefulSet redis has no volumeClaimTemplates; its data would be lost/,
  ],
  [
    "nfs hard mount (advisory)",
    persistentvolumeNfsHardMount(),
    [
      {
        type: Kind.PersistentVolume,
        props: { metadata: { name: "pv" }, spec: { nfs: { server: "s", path: "/p" }, mountOptions: ["hard"] } },
      },
    ],
    [{ type: Kind.PersistentVolume, props: { metadata: { name: "pv" }, spec: { nfs: { server: "s", path: "/p" } } } }],
    /does not mount with "hard"/,
  ],
  [
    "image by digest",
    workloadImagePinned(),
    [sts("redis", 1)],
    [sts("redis", 1, (p) => (main(p).image = "harbor.example.internal/middleware/redis:latest"))],
    /uses harbor\.example\.internal\/middleware\/redis:latest, a moving tag/,
  ],
  [
    "image pull secret",
    workloadImagePinned(),
    [sts("redis", 1)],
    [sts("redis", 1, (p) => (pod(p).imagePullSecrets = []))],
    /redis has no imagePullSecrets/,
  ],
  [
    "security context",
    workloadSecurityContext(),
    [sts("redis", 1)],
    [
      sts(
        "redis",
        1,
        (p) => (
          (main(p).securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }),
          (pod(p).securityContext = {})
        ),
      ),
    ],
    /Container main of redis may run as root; set runAsNonRoot: true/,
  ],
  [
    "capabilities dropped",
    workloadSecurityContext(),
    [sts("redis", 1)],
    [sts("redis", 1, (p) => (main(p).securityContext.capabilities = { add: ["NET_ADMIN"] }))],
    /Container main of redis keeps Linux capabilities/,
  ],
  [
    "resource limits",
    workloadResourceLimits(),
    [sts("redis", 1)],
    [sts("redis", 1, (p) => delete main(p).resources.limits.memory)],
    /Container main of redis has no memory limit/,
  ],
  [
    "redis auth",
    redisAuthRequired(),
    [sts("redis-cluster", 6)],
    [sts("redis-cluster", 6, (p) => (pod(p).volumes = pod(p).volumes.filter((v: any) => !v.secret)))],
    /Redis StatefulSet redis-cluster mounts no auth Secret/,
  ],
  [
    "redis tls",
    redisTlsRequired(),
    [
      conf(
        "redis.conf",
        "port 0\ntls-port 6379\ntls-auth-clients yes\ntls-replication yes\ncluster-enabled yes\ntls-cluster yes\n",
      ),
      conf("sentinel.conf", "port 0\ntls-port 26379\ntls-replication yes\n"),
      conf("zoo.cfg", "clientPort=2181\n"),
    ],
    [
      conf("redis.conf", "port 6379\nappendonly yes\n"),
      conf("redis.conf", "tls-port 6379\ntls-auth-clients optional\ntls-replication yes\n"),
      conf("redis.conf", "tls-port 6379\ntls-replication yes\ncluster-enabled yes\n"),
      conf("sentinel.conf", "tls-port 26379\ntls-replication yes\ntls-replication no\n"),
    ],
    /redis\.conf of ConfigMap c lacks tls-port <port>, tls-replication yes|lacks tls-auth-clients yes|lacks tls-cluster yes|sentinel\.conf of ConfigMap c lacks tls-replication yes/,
  ],
  [
    "no password env literal",
    secretPlaintextForbidden(),
    [sts("redis", 1, (p) => (main(p).env = [{ name: "REDIS_MODE", value: "cluster" }]))],
    [sts("redis", 1, (p) => (main(p).env = [{ name: "REDIS_PASSWORD", value: "hunter2hunter2" }]))],
    /sets REDIS_PASSWORD as a literal/,
  ],
  [
    "no password in argv",
    secretPlaintextForbidden(),
    [sts("redis", 1, (p) => (main(p).args = ["--appendonly", "yes"]))],
    [sts("redis", 1, (p) => (main(p).args = ["--requirepass", "hunter2hunter2"]))],
    /passes a credential on its command line \(--requirepass\)/,
  ],
  [
    "no password in a ConfigMap",
    secretPlaintextForbidden(),
    [{ type: Kind.ConfigMap, props: { metadata: { name: "c" }, data: { "redis.conf": "appendonly yes\n" } } }],
    [
      {
        type: Kind.ConfigMap,
        props: { metadata: { name: "c" }, data: { "redis.conf": "requirepass hunter2hunter2\n" } },
      },
    ],
    /ConfigMap c holds a credential in redis\.conf \("requirepass \.\.\."\)/,
  ],
  [
    "Secret references in a ConfigMap, not values",
    secretPlaintextForbidden(),
    [
      {
        type: Kind.ConfigMap,
        props: {
          metadata: { name: "c" },
          data: {
            "redis.conf": "user default on @HASH:password@ ~* +@all\nmasterauth @SECRET:replication-password@\n",
            "sentinel.conf":
              "sentinel auth-pass m @SECRET:sentinel-password@\nsentinel sentinel-pass @SECRET:sentinel-peer-password@\n",
          },
        },
      },
    ],
    [
      {
        type: Kind.ConfigMap,
        props: { metadata: { name: "c" }, data: { "sentinel.conf": "sentinel auth-pass mymaster hunter2hunter2\n" } },
      },
    ],
    /ConfigMap c holds a credential in sentinel\.conf \("sentinel auth-pass mymaster \.\.\."\)/,
  ],
  [
    "no ACL password in a ConfigMap",
    secretPlaintextForbidden(),
    [
      {
        type: Kind.ConfigMap,
        props: { metadata: { name: "c" }, data: { "redis.conf": "user admin on @HASH:admin-password@ ~* &* +@all\n" } },
      },
    ],
    [
      {
        type: Kind.ConfigMap,
        props: { metadata: { name: "c" }, data: { "redis.conf": "user admin on >hunter2hunter2 ~* &* +@all\n" } },
      },
    ],
    /ConfigMap c holds a credential in redis\.conf \("user admin on \.\.\."\)/,
  ],
  [
    "no ZooKeeper super digest or JAAS user in a ConfigMap",
    secretPlaintextForbidden(),
    [
      {
        type: Kind.ConfigMap,
        props: {
          metadata: { name: "z" },
          data: { "zoo.cfg": "enforce.auth.enabled=true\nquorum.auth.server.loginContext=QuorumServer\n" },
        },
      },
    ],
    [
      {
        type: Kind.ConfigMap,
        props: {
          metadata: { name: "z" },
          data: { "zoo.cfg": "DigestAuthenticationProvider.superDigest=super:tlEko3iYM1eLCk7wCINQpiVQkPQ=\n" },
        },
      },
      {
        type: Kind.ConfigMap,
        props: { metadata: { name: "j" }, data: { "jaas.conf": 'Server {\n  user_app="hunter2hunter2";\n};\n' } },
      },
    ],
    /ConfigMap z holds a credential in zoo\.cfg \("superDigest= \.\.\."\)/,
  ],
  [
    "zookeeper auth",
    zookeeperAuthRequired(),
    [
      {
        type: Kind.ConfigMap,
        props: {
          metadata: { name: "z" },
          data: {
            "zoo.cfg":
              "enforce.auth.enabled=true\nquorum.auth.enableSasl=true\nquorum.auth.learnerRequireSasl=true\nquorum.auth.serverRequireSasl=true\n",
          },
        },
      },
    ],
    [
      {
        type: Kind.ConfigMap,
        props: {
          metadata: { name: "z" },
          data: {
            "zoo.cfg": "enforce.auth.enabled=true\nquorum.auth.enableSasl=true\nquorum.auth.learnerRequireSasl=false\n",
          },
        },
      },
    ],
    /ConfigMap z's zoo.cfg lacks quorum.auth.learnerRequireSasl=true, quorum.auth.serverRequireSasl=true/,
  ],
  [
    "prod data ports",
    serviceDataPortProd(),
    [
      {
        type: Kind.Service,
        props: { metadata: { name: "redis", labels: { "middleware/stack": "prod" } }, spec: { type: "ClusterIP" } },
      },
    ],
    [
      {
        type: Kind.Service,
        props: { metadata: { name: "redis", labels: { "middleware/stack": "prod" } }, spec: { type: "LoadBalancer" } },
      },
    ],
    /Service redis is LoadBalancer in prod/,
  ],
];

describe("policy pack", () => {
  for (const [what, policy, pass, fail, message] of cases) {
    describe(`${policy.name}: ${what}`, () => {
      it("passes a compliant resource", async () => assert.deepStrictEqual(await violations(policy, pass), []));
      it("reports a violation with the fix", async () => {
        const v = await violations(policy, fail);
        assert.ok(
          v.some((m) => message.test(m)),
          `expected ${message}, got ${JSON.stringify(v)}`,
        );
      });
      it("says nothing about values unknown during preview", async () => {
        // As the analyzer shows a preview's values computed from outputs, behind its proxy: a
        // compliant resource whose every value (names aside) is unknown, and a failing one whose
        // whole spec and data are (an object computed from an output).
        const unknownValues = pass.map((r) => {
          const { metadata, ...rest } = r.props;
          return { ...r, props: { metadata, ...(unknownLeaves(rest) as object) } };
        });
        const unknownObjects = fail.map((r) => ({
          ...r,
          props: {
            metadata: r.props.metadata,
            ...(r.props.spec === undefined ? {} : { spec: unknownObjectValue }),
            ...(r.props.data === undefined ? {} : { data: unknownObjectValue }),
          },
        }));
        assert.deepStrictEqual(await violations(policy, unknownValues, {}, true), [], "unknown values");
        assert.deepStrictEqual(await violations(policy, unknownObjects, {}, true), [], "unknown spec and data");
      });
    });
  }

  it("redis-tls-required names what each config lacks", async () => {
    const each = async (file: string, text: string) => violations(redisTlsRequired(), [conf(file, text)]);
    assert.deepStrictEqual(await each("redis.conf", "port 6379\n"), [
      "redis.conf of ConfigMap c lacks tls-port <port>, tls-replication yes: a peer or client without a certificate of the workload's authority could connect. Build it with the program's redis-conf builder and tls settings (docs/configuration.md, \"TLS\").",
    ]);
    assert.match(
      (await each("redis.conf", "tls-port 6379\ntls-auth-clients optional\ntls-replication yes\n"))[0],
      /lacks tls-auth-clients yes:/,
    );
    assert.match(
      (await each("redis.conf", "tls-port 6379\ntls-replication yes\ncluster-enabled yes\n"))[0],
      /lacks tls-cluster yes:/,
    );
    // The last line wins, as in Redis.
    assert.match(
      (await each("sentinel.conf", "tls-port 26379\ntls-replication yes\ntls-replication no\n"))[0],
      /sentinel\.conf .* lacks tls-replication yes:/,
    );
    assert.match((await each("redis.conf", "tls-port 0\ntls-replication yes\n"))[0], /lacks tls-port <port>:/);
  });

  it("zookeeper-tls-required names what each zoo.cfg lacks", async () => {
    const each = async (text: string) => violations(zookeeperTlsRequired(), [conf("zoo.cfg", text)]);
    const netty = "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory";
    assert.deepStrictEqual(await each("clientPort=2181\n"), [
      "zoo.cfg of ConfigMap c lacks secureClientPort=<port>, serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory, sslQuorum=true: a client or would-be member without a certificate of the ensemble's authority could connect. Build it with the program's zooCfg builder and tls settings (docs/configuration.md, \"TLS\").",
    ]);
    assert.deepStrictEqual(await each(`${netty}\nsecureClientPort=2181\nsslQuorum=true\n`), []);
    assert.match(
      (await each(`${netty}\nsecureClientPort=2181\nsslQuorum=true\nssl.clientAuth=want\n`))[0],
      /lacks ssl\.clientAuth=need:/,
    );
    assert.match(
      (await each(`${netty}\nsecureClientPort=2181\nsslQuorum=true\nssl.quorum.clientAuth=none\n`))[0],
      /lacks ssl\.quorum\.clientAuth=need:/,
    );
    // The last line wins, as in a Java properties file.
    assert.match(
      (await each(`${netty}\nsecureClientPort=2181\nsslQuorum=true\nsslQuorum=false\n`))[0],
      /lacks sslQuorum=true:/,
    );
  });

  it("checks images against the configured registry", async () => {
    const v = await violations(
      workloadImagePinned(),
      [statefulSetWithImage("other.registry.internal/lib/redis@sha256:" + "b".repeat(64))],
      { registry: "harbor.example.internal/middleware" },
    );
    assert.ok(
      v.some((m) =>
        /pulls other\.registry\.internal\/lib\/redis@sha256:b+ from outside harbor\.example\.internal\/middleware/.test(
          m,
        ),
      ),
      JSON.stringify(v),
    );
  });

  it("builds every policy at the enforcement level it is given, by default at the pack's", () => {
    for (const make of policyFactories) {
      assert.strictEqual(make("disabled").enforcementLevel, "disabled");
      assert.strictEqual(make("remediate").name, make().name);
    }
    const advisory = policies.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name);
    assert.deepStrictEqual(advisory.sort(), ["persistentvolume-nfs-hard-mount", "statefulset-anti-affinity-required"]);
    assert.strictEqual(policies.length - advisory.length, 18, "every other policy stops a preview");
  });

  it("names every policy <kind>-<subject>-<rule>, uniquely, with a description", () => {
    const names = policies.map((p) => p.name);
    assert.strictEqual(new Set(names).size, names.length);
    for (const p of policies) {
      assert.match(p.name, /^[a-z]+(-[a-z0-9]+){2,}$/);
      assert.ok(p.description.length > 20);
      assert.ok(["mandatory", "advisory"].includes(p.enforcementLevel!));
    }
  });
});

function statefulSetWithImage(image: string) {
  const r = statefulSet("redis", 1);
  r.props.spec.template.spec.containers[0].image = image;
  return r;
}
