# The one node: its bridge and forwarding rules, a containerd of its own (never the Docker
# engine's), the kubelet and kube-proxy.

pause_image() { echo "middleware.local/pause:$(sha256sum < "$bin/pause" | cut -c1-12)"; }

# The bridge carries the node address, so the kubelet and API server can bind to it before any pod
# exists; the CNI bridge plugin attaches pods to it. Two chains of ours:
# - MWC-FORWARD accepts what enters or leaves the bridge: Docker sets FORWARD's policy to DROP, and
#   traffic between pods on a bridge passes FORWARD (bridge-nf-call-iptables).
# - MWC-INPUT lets pods reach the host only at the API server (the `kubernetes` Service) and with
#   replies; whatever else listens on the host's addresses stays out of their reach.
setup_network() {
  if ! ip link show "$bridge" > /dev/null 2>&1; then
    ip link add "$bridge" type bridge
  fi
  ip addr replace "$node_ip/${pod_cidr#*/}" dev "$bridge"
  ip link set "$bridge" up
  modprobe br_netfilter 2> /dev/null || true
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  ensure_chain FORWARD MWC-FORWARD -i "$bridge" -j ACCEPT
  ensure_chain FORWARD MWC-FORWARD -o "$bridge" -j ACCEPT
  ensure_chain INPUT MWC-INPUT -i "$bridge" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  ensure_chain INPUT MWC-INPUT -i "$bridge" -p tcp --dport "$apiserver_port" -j ACCEPT
  ensure_chain INPUT MWC-INPUT -i "$bridge" -j DROP
}

# ensure_chain <builtin> <chain> <rule...>: the chain exists, is jumped to first from <builtin>,
# and ends with <rule> unless it already holds it (rules are added in the order given).
ensure_chain() {
  local builtin=$1 chain=$2
  shift 2
  iptables -N "$chain" 2> /dev/null || true
  iptables -C "$chain" "$@" 2> /dev/null || iptables -A "$chain" "$@"
  iptables -C "$builtin" -j "$chain" 2> /dev/null || iptables -I "$builtin" 1 -j "$chain"
}

teardown_network() {
  ip link del "$bridge" 2> /dev/null || true
  local builtin chain
  for builtin in FORWARD INPUT; do
    chain=MWC-$builtin
    iptables -n -L "$chain" > /dev/null 2>&1 || continue
    while iptables -D "$builtin" -j "$chain" 2> /dev/null; do :; done
    iptables -F "$chain" && iptables -X "$chain"
  done
}

write_containerd_config() {
  mkdir -p "$home/containerd/certs.d/$registry_host" "$home/cni/net.d" "$home/cni/ipam" "$run"
  cat > "$home/containerd/config.toml" << EOF
version = 2
root = "$home/containerd/root"
state = "$run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$containerd_socket"

[plugins."io.containerd.internal.v1.opt"]
  path = "$home/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$(pause_image)"
  # Root here lacks CAP_SYS_RESOURCE: a negative oom_score_adj (the kubelet asks -998 for sandboxes)
  # is refused and runc fails every sandbox unless containerd clamps it to what it may set.
  restrict_oom_score_adj = true
  # Pod network namespaces under containerd's state dir, not the host's /run/netns: there an
  # 'ip netns add' on the host makes a shared bind mount that pins every pod's namespace, and
  # deleted pods then hang in Terminating (unlinkat: device or resource busy).
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$home/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$home/containerd/certs.d"
EOF
  cat > "$home/containerd/certs.d/$registry_host/hosts.toml" << EOF
server = "https://$registry_host"
[host."https://$registry_host"]
  capabilities = ["pull", "resolve"]
  ca = "$pki/ca.crt"
EOF
  cat > "$home/cni/net.d/10-middleware.conflist" << EOF
{
  "cniVersion": "1.0.0",
  "name": "middleware-local",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$home/cni/ipam",
        "ranges": [[{ "subnet": "$pod_cidr", "gateway": "$node_ip" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "loopback" }
  ]
}
EOF
}

ctr_k8s() { ctr --address "$containerd_socket" --namespace k8s.io "$@"; }

# import_image <ref> <dir with a Dockerfile>: built with the Docker engine, handed to our containerd.
import_image() {
  local ref=$1 dir=$2
  ctr_k8s images ls -q | grep -qx "$ref" && return
  docker build -q -t "$ref" "$dir" > /dev/null
  docker save "$ref" | ctr_k8s images import - > /dev/null
  echo "local-cluster: imported $ref"
}

# The sandbox and DNS images are static binaries of our own build on an empty base, since no
# registry image can be pulled on these machines.
import_cluster_images() {
  local ctx
  ctx=$(mktemp -d)
  cp "$bin/pause" "$ctx/pause"
  printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' > "$ctx/Dockerfile"
  import_image "$(pause_image)" "$ctx"
  rm -f "$ctx/pause"
  cp "$bin/coredns" "$ctx/coredns"
  printf 'FROM scratch\nCOPY coredns /coredns\nUSER 65532:65532\nENTRYPOINT ["/coredns"]\n' > "$ctx/Dockerfile"
  import_image "middleware.local/coredns:$coredns_version" "$ctx"
  rm -rf "$ctx"
}

start_containerd() {
  if ! is_running containerd; then
    write_containerd_config
    start_process containerd containerd --config "$home/containerd/config.toml"
    wait_until containerd 60 ctr --address "$containerd_socket" version
  fi
  import_cluster_images
}

start_kubelet() {
  is_running kubelet && return
  mkdir -p "$home/kubelet"
  cat > "$home/kubelet/config.yaml" << EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$containerd_socket
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $pki/kubelet.crt
tlsPrivateKeyFile: $pki/kubelet.key
clusterDomain: $cluster_domain
clusterDNS: [$dns_service_ip]
# No host resolver for pods: cluster names only, nothing leaves the machine.
resolvConf: ""
failSwapOn: false
serializeImagePulls: false
evictionHard: {memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2%}
EOF
  start_process kubelet kubelet --config="$home/kubelet/config.yaml" --kubeconfig="$pki/kubelet.kubeconfig" \
    --root-dir="$home/kubelet" --hostname-override="$node_name" --node-ip="$node_ip" \
    --experimental-mounter-path="$bin/mount-nfs"
  wait_until kubelet 120 curl -sf --max-time 2 http://127.0.0.1:10248/healthz
}

start_kube_proxy() {
  is_running kube-proxy && return
  mkdir -p "$home/kube-proxy"
  # conntrack.maxPerCore 0: keep the kernel's conntrack limits; root here may not raise them.
  # localhostNodePorts false: NodePorts are not opened on 127.0.0.1 (that needs route_localnet).
  cat > "$home/kube-proxy/config.yaml" << EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $pki/kube-proxy.kubeconfig}
mode: iptables
clusterCIDR: $pod_cidr
hostnameOverride: $node_name
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0}
iptables: {localhostNodePorts: false}
# NodePorts (the stack opens none) only on the node address, never on the machine's interfaces.
nodePortAddresses: [$node_ip/32]
EOF
  start_process kube-proxy kube-proxy --config="$home/kube-proxy/config.yaml"
  wait_until kube-proxy 60 curl -sf --max-time 2 http://127.0.0.1:10256/healthz
}

# NetworkPolicy enforcement (tools/local-cluster/cmd/network-policies: kube-network-policies'
# engine): new connections to and from the pods a policy selects go through nfqueue $nfqueue_id,
# and are dropped while nothing listens there (fail closed). Stopped with SIGTERM, it removes its
# nftables table, so a stopped cluster leaves no rule behind.
nfqueue_id=100
policy_engine_listening() { awk -v q="$nfqueue_id" '$1 == q { found = 1 } END { exit !found }' /proc/net/netfilter/nfnetlink_queue; }
start_network_policies() {
  is_running network-policies && return
  start_process network-policies network-policies --kubeconfig="$pki/network-policies.kubeconfig" \
    --hostname-override="$node_name" --metrics-bind-address=127.0.0.1:10270
  wait_until network-policies 60 policy_engine_listening
}

# Everything of a pod outlives its processes unless the runtime tears it down: CNI veths and IP
# leases, network namespaces, overlay and tmpfs mounts.
stop_node() {
  stop_process network-policies
  stop_process kube-proxy
  stop_process kubelet
  if is_running containerd; then
    cri-reset "unix://$containerd_socket" || echo "local-cluster: some pods were not torn down (see above)" >&2
  fi
  stop_process containerd
  kube-proxy --cleanup > /dev/null 2>&1 || true
  local m
  # Deepest first; kubelet volumes (Secrets are tmpfs) and any rootfs containerd left mounted.
  for m in $(awk -v h="$home" -v r="$run" '$2 ~ "^"h"/|^"r"/" {print $2}' /proc/self/mounts | sort -r); do
    umount -l "$m" 2> /dev/null || true
  done
}
