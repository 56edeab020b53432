import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { quantityBytes, suffixedBytes } from "../../components/config/section";
import { dockerConfigJson } from "../../components/registry-pull-secret";
import { configHash } from "../../components/specs/config-hash";
import { imageContentTag } from "../../components/specs/image-tag";
import { DEFAULT_CLIENT_ACL } from "../../components/specs/redis-acl";
import { RedisMode, redisConf, sentinelConf } from "../../components/specs/redis-conf";
import { zooCfg } from "../../components/specs/zoo-cfg";

describe("spec builders", () => {
  it("converts Kubernetes and Redis/JVM sizes to bytes", () => {
    assert.strictEqual(quantityBytes("512Mi"), 512 * 2 ** 20);
    assert.strictEqual(quantityBytes("1G"), 1e9);
    assert.strictEqual(quantityBytes("2"), 2);
    assert.ok(Number.isNaN(quantityBytes("1 GB")));
    assert.strictEqual(suffixedBytes("256mb"), 256 * 2 ** 20);
    assert.strictEqual(suffixedBytes("2g"), 2 * 2 ** 30);
  });

  it("numbers zoo.cfg servers from 1 in host order", () => {
    const cfg = zooCfg({ tickTime: 2000, initLimit: 10, syncLimit: 5 }, ["a", "b", "c"]);
    assert.deepStrictEqual(
      cfg.split("\n").filter((l) => l.startsWith("server.")),
      ["server.1=a:2888:3888;2181", "server.2=b:2888:3888;2181", "server.3=c:2888:3888;2181"],
    );
    assert.match(cfg, /^standaloneEnabled=false$/m);
  });

  it("renders redis.conf with AOF always on and cluster settings only in cluster mode", () => {
    const standalone = redisConf({
      mode: RedisMode.Standalone,
      maxmemory: "1gb",
      appendfsync: "always",
      clientAcl: DEFAULT_CLIENT_ACL,
    });
    assert.match(standalone, /^appendonly yes$/m);
    assert.match(standalone, /^appendfsync always$/m);
    assert.doesNotMatch(standalone, /cluster-enabled/);
    assert.match(
      redisConf({
        mode: RedisMode.Cluster,
        maxmemory: "1gb",
        appendfsync: "everysec",
        clientAcl: DEFAULT_CLIENT_ACL,
        clusterNodeTimeoutMs: 7000,
      }),
      /^cluster-node-timeout 7000$/m,
    );
  });

  it("renders the ACL users with references to the Secret's files, never a value", () => {
    const data = redisConf({
      mode: RedisMode.SentinelData,
      maxmemory: "1gb",
      appendfsync: "everysec",
      clientAcl: "~app:* +@read",
    });
    assert.match(data, /^user default on @HASH:password@ resetkeys resetchannels -@all ~app:\* \+@read$/m);
    assert.match(data, /^user sentinel on @HASH:sentinel-password@ resetchannels &__sentinel__:hello -@all /m);
    assert.match(
      data,
      /^user handover on @HASH:handover-password@ resetchannels -@all \+ping \+role \+info \+client\|list \+client\|pause \+client\|unpause \+replicaof$/m,
    );
    assert.match(data, /^masterauth @SECRET:replication-password@$/m);
    assert.doesNotMatch(
      redisConf({ mode: RedisMode.Standalone, maxmemory: "1gb", appendfsync: "always", clientAcl: DEFAULT_CLIENT_ACL }),
      /^user (sentinel|handover|cluster-peers) /m,
    );
    assert.doesNotMatch(data, /^user cluster-peers /m);
    const cluster = redisConf({
      mode: RedisMode.Cluster,
      maxmemory: "1gb",
      appendfsync: "everysec",
      clientAcl: DEFAULT_CLIENT_ACL,
    });
    assert.match(
      cluster,
      /^user cluster-peers on @HASH:cluster-peers-password@ resetchannels -@all \+ping \+role \+cluster\|myid \+cluster\|nodes \+cluster\|meet \+cluster\|replicate$/m,
    );
    assert.doesNotMatch(cluster, /^user (sentinel|handover) /m);
    const sentinel = sentinelConf({ masterName: "m", quorum: 2, downAfterMs: 5000, failoverTimeoutMs: 60000 });
    const lines = sentinel.split("\n");
    // auth-user/auth-pass name the master, so they must follow its monitor line.
    assert.ok(
      lines.findIndex((l) => l.startsWith("sentinel monitor m ")) <
        lines.findIndex((l) => l.startsWith("sentinel auth-user m sentinel")),
    );
    assert.match(sentinel, /^sentinel auth-pass m @SECRET:sentinel-password@$/m);
    assert.match(sentinel, /^sentinel sentinel-pass @SECRET:sentinel-peer-password@$/m);
    assert.match(sentinel, /^dir \/run\/app$/m, "the rewritten config, which holds passwords, stays in memory");
    assert.match(
      sentinel,
      /^user handover on @HASH:handover-password@ resetchannels -@all \+auth \+hello \+ping \+sentinel\|get-master-addr-by-name \+sentinel\|replicas \+sentinel\|failover$/m,
    );
    for (const l of lines.filter((x) => x.startsWith("user "))) assert.match(l, /^user [a-z-]+ on @HASH:[a-z-]+@ /);
  });

  it("hashes config independently of key order and sensitive to content", () => {
    assert.strictEqual(configHash({ a: "1", b: "2" }), configHash({ b: "2", a: "1" }));
    assert.notStrictEqual(configHash({ a: "1" }), configHash({ a: "2" }));
    assert.notStrictEqual(configHash({ a: "1", b: "" }), configHash({ ab: "1" }));
  });

  it("tags an image by its build context: content, executable bits and base image", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-"));
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM x\n");
    fs.writeFileSync(path.join(dir, "entry"), "#!/bin/sh\n", { mode: 0o644 });
    const t1 = imageContentTag(dir, "debian:bookworm-slim");
    assert.match(t1, /^[0-9a-f]{12}$/);
    assert.strictEqual(imageContentTag(dir, "debian:bookworm-slim"), t1);
    assert.notStrictEqual(imageContentTag(dir, "debian:trixie-slim"), t1);
    fs.chmodSync(path.join(dir, "entry"), 0o755);
    const t2 = imageContentTag(dir, "debian:bookworm-slim");
    assert.notStrictEqual(t2, t1);
    fs.writeFileSync(path.join(dir, "entry"), "#!/bin/sh\necho\n", { mode: 0o755 });
    assert.notStrictEqual(imageContentTag(dir, "debian:bookworm-slim"), t2);
  });

  it("builds the docker config JSON kubelet reads", () => {
    const cfg = JSON.parse(dockerConfigJson("harbor.example.internal", "robot$x", "pw"));
    assert.deepStrictEqual(cfg, {
      auths: {
        "harbor.example.internal": {
          username: "robot$x",
          password: "pw",
          auth: Buffer.from("robot$x:pw").toString("base64"),
        },
      },
    });
  });
});
