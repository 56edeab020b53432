# etcd, kube-apiserver, kube-controller-manager and kube-scheduler as host processes.
# Each listens on loopback only, except the API server, which listens on the node address on the
# cluster's own bridge only: pods reach it there through the `kubernetes` Service, the host's
# clients through the kubeconfigs, and nothing on the machine's other interfaces reaches it.

# https_ok <url>: the URL answers 200 to the admin's certificate.
https_ok() {
  curl -sf --max-time 2 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$1"
}

start_etcd() {
  is_running etcd && return
  start_process etcd etcd --name=local --data-dir="$home/etcd" \
    --listen-client-urls="$etcd_client_url" --advertise-client-urls="$etcd_client_url" \
    --listen-peer-urls="$etcd_peer_url" --initial-advertise-peer-urls="$etcd_peer_url" \
    --initial-cluster="local=$etcd_peer_url" --listen-metrics-urls=http://127.0.0.1:2381 \
    --cert-file="$pki/etcd.crt" --key-file="$pki/etcd.key" \
    --client-cert-auth --trusted-ca-file="$pki/ca.crt"
  wait_until etcd 60 curl -sf --max-time 2 http://127.0.0.1:2381/health
}

start_apiserver() {
  is_running kube-apiserver && return
  # PodSecurity and NodeRestriction are named so a default change upstream cannot drop them: the
  # program's namespaces enforce "restricted", and the kubelet may only touch its own node and pods.
  start_process kube-apiserver kube-apiserver \
    --bind-address="$node_ip" --secure-port="$apiserver_port" --advertise-address="$node_ip" \
    --etcd-servers="$etcd_client_url" --etcd-cafile="$pki/ca.crt" \
    --etcd-certfile="$pki/apiserver-etcd-client.crt" --etcd-keyfile="$pki/apiserver-etcd-client.key" \
    --client-ca-file="$pki/ca.crt" --tls-cert-file="$pki/kube-apiserver.crt" --tls-private-key-file="$pki/kube-apiserver.key" \
    --kubelet-certificate-authority="$pki/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --service-account-issuer="https://kubernetes.default.svc.$cluster_domain" \
    --service-account-key-file="$pki/service-account.pub" --service-account-signing-key-file="$pki/service-account.key" \
    --service-cluster-ip-range="$service_cidr" --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction,PodSecurity --anonymous-auth=false \
    --encryption-provider-config="$pki/encryption.yaml" --allow-privileged=false --profiling=false
  wait_until kube-apiserver 120 https_ok "https://$node_ip:$apiserver_port/readyz"
}

start_controller_manager() {
  is_running kube-controller-manager && return
  local kc="$pki/kube-controller-manager.kubeconfig"
  start_process kube-controller-manager kube-controller-manager \
    --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$pki/service-account.key" --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --service-cluster-ip-range="$service_cidr" --profiling=false
  wait_until kube-controller-manager 60 curl -skf --max-time 2 https://127.0.0.1:10257/healthz
}

start_scheduler() {
  is_running kube-scheduler && return
  local kc="$pki/kube-scheduler.kubeconfig"
  start_process kube-scheduler kube-scheduler \
    --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false
  wait_until kube-scheduler 60 curl -skf --max-time 2 https://127.0.0.1:10259/healthz
}
