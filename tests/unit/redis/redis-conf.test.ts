import * as assert from "assert";

import { RedisMode, redisConf, sentinelConf } from "../../../components/redis/redis-conf";
import { DEFAULT_CLIENT_ACL } from "../../../components/config/defaults";

describe("redis.conf and sentinel.conf", () => {
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
    assert.match(
      redisConf({ mode: RedisMode.Cluster, maxmemory: "1gb", appendfsync: "everysec", clientAcl: DEFAULT_CLIENT_ACL }),
      /^cluster-preferred-endpoint-type ip$/m,
      "redirects carry the address the cluster knows, never a DNS name a resolver may serve stale",
    );
  });

  it("speaks TLS on the client port, replication and the cluster bus, demanding a certificate of every peer, plain text off unless kept", () => {
    const base = { maxmemory: "1gb", appendfsync: "everysec", clientAcl: DEFAULT_CLIENT_ACL } as const;
    const cluster = redisConf({ ...base, mode: RedisMode.Cluster, tls: { plaintextPort: false } });
    for (const line of [
      "port 0",
      "tls-port 6379",
      "tls-auth-clients yes",
      "tls-replication yes",
      "tls-cluster yes",
      "tls-cert-file /etc/tls/tls.crt",
      "tls-key-file /etc/tls/tls.key",
      "tls-ca-cert-file /etc/tls/ca.crt",
    ])
      assert.ok(cluster.split("\n").includes(line), line);
    assert.strictEqual(cluster.match(/^port /gm)?.length, 1, "one plain-text port line");
    const kept = redisConf({ ...base, mode: RedisMode.Cluster, tls: { plaintextPort: true } });
    assert.match(kept, /^port 6380$/m);
    assert.match(kept, /^tls-port 6379$/m);
    const standalone = redisConf({ ...base, mode: RedisMode.Standalone, tls: { plaintextPort: false } });
    assert.doesNotMatch(standalone, /tls-cluster/);
    assert.doesNotMatch(redisConf({ ...base, mode: RedisMode.Cluster }), /tls/);
  });

  it("persists through the AOF alone and keeps a Sentinel-managed master from writing without a replica", () => {
    const args = { maxmemory: "1gb", appendfsync: "everysec" as const, clientAcl: DEFAULT_CLIENT_ACL };
    for (const mode of [RedisMode.Standalone, RedisMode.Cluster, RedisMode.SentinelData])
      assert.match(redisConf({ ...args, mode }), /^save ""$/m, mode);
    const data = redisConf({ ...args, mode: RedisMode.SentinelData });
    assert.match(data, /^min-replicas-to-write 1$/m);
    assert.match(data, /^min-replicas-max-lag 10$/m);
    for (const mode of [RedisMode.Standalone, RedisMode.Cluster])
      assert.doesNotMatch(redisConf({ ...args, mode }), /^min-replicas/m, mode);
  });

  it("renders the ACL users with references to the Secret's files, never a value", () => {
    const data = redisConf({
      mode: RedisMode.SentinelData,
      maxmemory: "1gb",
      appendfsync: "everysec",
      clientAcl: "~app:* +@read",
    });
    assert.match(data, /^user default on @HASH:password@ resetkeys resetchannels -@all ~app:\* \+@read -@scripting$/m);
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
    // Its stopping masters have their replica take over: CLUSTER FAILOVER, never FORCE/TAKEOVER, no keys.
    assert.match(
      cluster,
      /^user handover on @HASH:handover-password@ resetchannels -@all \+ping \+role \+info \+cluster\|nodes \+cluster\|failover$/m,
    );
    assert.doesNotMatch(cluster, /^user sentinel /m);
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
      /^user handover on @HASH:handover-password@ resetchannels -@all \+auth \+hello \+ping \+sentinel\|get-master-addr-by-name \+sentinel\|master \+sentinel\|replicas \+sentinel\|failover$/m,
    );
    for (const l of lines.filter((x) => x.startsWith("user "))) assert.match(l, /^user [a-z-]+ on @HASH:[a-z-]+@ /);
  });
});
