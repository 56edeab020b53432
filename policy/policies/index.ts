import { EnforcementLevel, Policies, Policy } from "@pulumi/policy";
import { stackStatefulsetPdb } from "./availability/stack-statefulset-pdb";
import { stackZookeeperHeadlessNotReady } from "./availability/stack-zookeeper-headless-not-ready";
import { statefulsetAntiAffinityRequired } from "./availability/statefulset-anti-affinity-required";
import { statefulsetAntiAffinitySelector } from "./availability/statefulset-anti-affinity-selector";
import { serviceDataPortProd } from "./exposure/service-data-port-prod";
import { stackSentinelQuorum } from "./quorum/stack-sentinel-quorum";
import { statefulsetRedisClusterShape } from "./quorum/statefulset-redis-cluster-shape";
import { statefulsetZookeeperReplicasOdd } from "./quorum/statefulset-zookeeper-replicas-odd";
import { redisAuthRequired } from "./security/redis-auth-required";
import { redisTlsRequired } from "./security/redis-tls-required";
import { secretPlaintextForbidden } from "./security/secret-plaintext-forbidden";
import { workloadResourceLimits } from "./security/workload-resource-limits";
import { workloadSecurityContext } from "./security/workload-security-context";
import { zookeeperAuthRequired } from "./security/zookeeper-auth-required";
import { zookeeperTlsRequired } from "./security/zookeeper-tls-required";
import { persistentvolumeNfsHardMount } from "./storage/persistentvolume-nfs-hard-mount";
import { persistentvolumeReclaimRetain } from "./storage/persistentvolume-reclaim-retain";
import { statefulsetDataPersisted } from "./storage/statefulset-data-persisted";
import { workloadNfsInlineForbidden } from "./storage/workload-nfs-inline-forbidden";
import { workloadImagePinned } from "./supply-chain/workload-image-pinned";

/**
 * Every policy of the pack as a factory taking its enforcement level, as Pulumi's own policy packs
 * do: another pack can reuse them at the level it needs. Each defaults to the level this pack uses.
 */
export const policyFactories: readonly ((level?: EnforcementLevel) => Policy)[] = [
  statefulsetZookeeperReplicasOdd,
  statefulsetRedisClusterShape,
  stackSentinelQuorum,
  stackStatefulsetPdb,
  statefulsetAntiAffinitySelector,
  stackZookeeperHeadlessNotReady,
  statefulsetAntiAffinityRequired,
  persistentvolumeReclaimRetain,
  workloadNfsInlineForbidden,
  statefulsetDataPersisted,
  persistentvolumeNfsHardMount,
  workloadImagePinned,
  workloadSecurityContext,
  workloadResourceLimits,
  redisAuthRequired,
  redisTlsRequired,
  zookeeperAuthRequired,
  zookeeperTlsRequired,
  secretPlaintextForbidden,
  serviceDataPortProd,
];

/** The pack: each policy at its default level. */
export const policies: Policies = policyFactories.map((make) => make());
