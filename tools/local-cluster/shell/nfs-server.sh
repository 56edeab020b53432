# The NFS server standing in for the one the dev, staging and prod stacks name in storage.nfs:
# nfs-ganesha with its VFS backend (this kernel has no nfsd), NFSv3 over TCP, on loopback. The
# kubelet mounts NFS volumes through mount-nfs (tools/local-cluster: FUSE, as this kernel has no
# NFS client), which runs on this machine, so nothing else needs to reach the server.
#
# The export is what a careful NFS admin gives a database client: sec=sys, Root_Squash (root in a
# pod reads and writes as 65534 and cannot chown), only the node may mount (127.0.0.1 here), and
# the export root owned by the workloads' uid 10001 with mode 0770, so the directory Job (run as
# 10001) makes each volume's directory and no other uid may look in.
#
# rpcbind: ganesha registers NFSv3 with it and mount-nfs asks it for the ports. It listens on every
# address (its -h option crashes here), so INPUT drops port 111 from anything but loopback.

nfs_export() { echo "$home/nfs/export"; }
nfs_port=2049
nfs_mount_port=20048

write_nfs_config() {
  mkdir -p "$(nfs_export)" "$run/nfs"
  chown 10001:10001 "$(nfs_export)"
  chmod 0770 "$(nfs_export)"
  cat > "$home/nfs/ganesha.conf" << EOF
NFS_CORE_PARAM {
  Protocols = 3;
  Bind_addr = 127.0.0.1;
  NFS_Port = $nfs_port;
  MNT_Port = $nfs_mount_port;
  Enable_NLM = false;
  Enable_RQUOTA = false;
}
NFSV4 { Graceless = true; }
EXPORT {
  Export_Id = 1;
  Path = $(nfs_export);
  Pseudo = /export;
  Protocols = 3;
  Transports = TCP;
  SecType = sys;
  Squash = Root_Squash;
  Anonymous_Uid = 65534;
  Anonymous_Gid = 65534;
  Access_Type = None;
  CLIENT { Clients = 127.0.0.1; Access_Type = RW; }
  FSAL { Name = VFS; }
}
EOF
}

# nfs_answers: MOUNT and NFS accept connections, and rpcbind names their ports.
nfs_answers() {
  (: < "/dev/tcp/127.0.0.1/$nfs_port") 2> /dev/null && (: < "/dev/tcp/127.0.0.1/$nfs_mount_port") 2> /dev/null &&
    rpcinfo -T tcp 127.0.0.1 nfs 3 > /dev/null 2>&1 && rpcinfo -T tcp 127.0.0.1 mountd 3 > /dev/null 2>&1
}

rpcbind_answers() { rpcinfo -p 127.0.0.1 > /dev/null 2>&1; }

# Drops what reaches rpcbind other than over loopback (idempotent: -C first).
guard_rpcbind() {
  local proto
  for proto in tcp udp; do
    iptables -C INPUT -p "$proto" --dport 111 ! -i lo -j DROP 2> /dev/null ||
      iptables -I INPUT -p "$proto" --dport 111 ! -i lo -j DROP
  done
}

unguard_rpcbind() {
  local proto
  for proto in tcp udp; do
    while iptables -D INPUT -p "$proto" --dport 111 ! -i lo -j DROP 2> /dev/null; do :; done
  done
}

start_nfs_server() {
  write_nfs_config
  guard_rpcbind
  # One rpcbind per machine: an rpcbind someone else runs serves as well as ours.
  if ! is_running rpcbind && ! rpcbind_answers; then
    mkdir -p /run/rpcbind
    start_process rpcbind rpcbind -f
    wait_until rpcbind 30 rpcbind_answers
  fi
  is_running nfs-server && return
  local port holder
  for port in $nfs_port $nfs_mount_port; do
    if holder=$(ss -Hltnp "sport = :$port" | grep -o 'users:(("[^"]*",pid=[0-9]*' | head -n1) && [ -n "$holder" ]; then
      echo "local-cluster: port $port is taken (${holder#users:((}); the cluster's NFS server needs it. An NFS server a package started (nfs-ganesha, nfs-kernel-server)? Stop it, then run up again" >&2
      return 1
    fi
  done
  # ganesha can die just after "NFS SERVER INITIALIZED" when it restarts under clients that were
  # waiting on it (the fault suite's outage, once, with nothing in its log); a service manager would
  # start it again, and so does this, twice at most.
  local attempt
  for attempt in 1 2 3; do
    start_process nfs-server ganesha.nfsd -F -f "$home/nfs/ganesha.conf" -L "$logs/nfs-server-ganesha.log" -p "$run/nfs/ganesha.pid"
    wait_until nfs-server 60 nfs_answers && return 0
    is_running nfs-server && return 1
    echo "local-cluster: nfs-server exited while starting (attempt $attempt of 3); the end of its own log:" >&2
    tail -n 5 "$logs/nfs-server-ganesha.log" >&2
  done
  return 1
}

stop_nfs_server() {
  stop_process nfs-server
  stop_process rpcbind
  unguard_rpcbind
}
