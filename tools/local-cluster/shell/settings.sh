# Settings of the local cluster, sourced by scripts/local-cluster and its parts; the tests read the
# same values through `scripts/local-cluster env`.
#
# Addresses live only on this machine: the pod range is the bridge `mwc0` that `up` creates (its
# own address, 10.244.0.1, is the node's), the Service range exists only as kube-proxy's iptables
# rules, and everything else listens on loopback. The cluster sends nothing to any other address:
# CoreDNS answers only for the cluster's own zones and forwards nowhere.
# shellcheck source=versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"

: "${MIDDLEWARE_CLUSTER_HOME:=/var/lib/middleware-cluster}"   # data kept across `down` (not --purge)
: "${MIDDLEWARE_CLUSTER_RUN:=/run/middleware-cluster}"        # PIDs and sockets; gone after a reboot
: "${MIDDLEWARE_TOOLS_CACHE:=$HOME/.cache/middleware-tools}"

home=$MIDDLEWARE_CLUSTER_HOME
run=$MIDDLEWARE_CLUSTER_RUN
bin=$MIDDLEWARE_TOOLS_CACHE/bin
pki=$home/pki
logs=$home/logs
kubeconfig=$home/admin.kubeconfig

node_name=middleware-local
bridge=mwc0
pod_cidr=10.244.0.0/24
node_ip=10.244.0.1
service_cidr=10.96.0.0/24
kubernetes_service_ip=10.96.0.1
dns_service_ip=10.96.0.10
cluster_domain=cluster.local

apiserver_port=6443
etcd_client_url=https://127.0.0.1:2379
etcd_peer_url=http://127.0.0.1:2380
registry_host=127.0.0.1:5443
registry_user=middleware
# What the pods pull with. Harbor would give it pull rights only; this registry's htpasswd auth has
# no per-user rights, so here it is a separate credential, not a weaker one.
registry_pull_user=middleware-pull
containerd_socket=$run/containerd.sock

# Processes `up` starts, in start order; `down` stops them in reverse by their recorded PIDs.
components=(registry etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy network-policies)

export PATH="$bin:$PATH"
