import { ZooKeeperSettings } from "../stack-config";
import { Port } from "./ports";

/**
 * zoo.cfg for an ensemble whose member i (myid i+1) is reachable at hosts[i].
 * The entrypoint writes myid from the pod ordinal, so one file serves every pod.
 */
export function zooCfg(s: Pick<ZooKeeperSettings, "tickTime" | "initLimit" | "syncLimit">, hosts: readonly string[]): string {
  const lines = [
    `tickTime=${s.tickTime}`,
    `initLimit=${s.initLimit}`,
    `syncLimit=${s.syncLimit}`,
    "dataDir=/data",
    `clientPort=${Port.ZooKeeperClient}`,
    // An ensemble must never silently fall back to a standalone server with its own history.
    "standaloneEnabled=false",
    "reconfigEnabled=false",
    // Pods cannot bind their own Service DNS name before it resolves; listen on all addresses instead.
    "quorumListenOnAllIPs=true",
    "4lw.commands.whitelist=srvr,mntr,ruok",
    "admin.enableServer=false",
    "maxClientCnxns=60",
    "autopurge.snapRetainCount=3",
    "autopurge.purgeInterval=24",
    ...hosts.map((h, i) => `server.${i + 1}=${h}:${Port.ZooKeeperQuorum}:${Port.ZooKeeperElection};${Port.ZooKeeperClient}`),
  ];
  return lines.join("\n") + "\n";
}
