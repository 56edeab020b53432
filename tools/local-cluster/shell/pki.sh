# The cluster's CA, one certificate per identity, the ServiceAccount signing key, the key that
# encrypts Secrets in etcd, and a kubeconfig per client. Made once; kept across `down`.
# Every private key is 0600 under $pki, which is 0700.

# issue_cert <name> <subject> <extendedKeyUsage> [subjectAltName]: EC P-256 key + cert signed by the CA.
issue_cert() {
  local name=$1 subject=$2 usage=$3 san=${4:-} ext
  [ -s "$pki/$name.crt" ] && return
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } > "$ext"
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$name.key" 2> /dev/null
  chmod 600 "$pki/$name.key"
  openssl req -new -key "$pki/$name.key" -subj "$subject" 2> /dev/null |
    openssl x509 -req -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 3650 \
      -extfile "$ext" -out "$pki/$name.crt" 2> /dev/null
  rm -f "$ext"
}

# write_kubeconfig <file> <cert name> <server>: a kubeconfig with the CA and a client cert embedded.
# Rewritten when it names another server (a cluster home from before the API server left loopback).
write_kubeconfig() {
  local file=$1 name=$2 server=$3
  grep -qxF "      server: $server" "$file" 2> /dev/null && return
  (umask 077 && cat > "$file.new") << EOF
apiVersion: v1
kind: Config
clusters:
  - name: middleware-local
    cluster:
      server: $server
      certificate-authority-data: $(base64 -w0 < "$pki/ca.crt")
users:
  - name: $name
    user:
      client-certificate-data: $(base64 -w0 < "$pki/$name.crt")
      client-key-data: $(base64 -w0 < "$pki/$name.key")
contexts:
  - name: middleware-local
    context: {cluster: middleware-local, user: $name}
current-context: middleware-local
EOF
  mv "$file.new" "$file"
}

make_pki() {
  mkdir -p "$pki" && chmod 700 "$pki"
  if [ ! -s "$pki/ca.crt" ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$pki/ca.key" 2> /dev/null
    chmod 600 "$pki/ca.key"
    openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=middleware-local-ca" -days 3650 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out "$pki/ca.crt" 2> /dev/null
  fi
  local api_names="DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  api_names+=",DNS:kubernetes.default.svc.$cluster_domain,DNS:localhost"
  api_names+=",IP:127.0.0.1,IP:$node_ip,IP:$kubernetes_service_ip"
  issue_cert kube-apiserver "/CN=kube-apiserver" serverAuth "$api_names"
  issue_cert etcd "/CN=etcd" serverAuth "IP:127.0.0.1,DNS:localhost"
  issue_cert apiserver-etcd-client "/CN=kube-apiserver-etcd-client" clientAuth
  issue_cert apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client" clientAuth
  issue_cert kubelet "/CN=system:node:$node_name" serverAuth "DNS:$node_name,IP:$node_ip,IP:127.0.0.1"
  issue_cert kubelet-client "/CN=system:node:$node_name/O=system:nodes" clientAuth
  issue_cert admin "/CN=middleware-local-admin/O=system:masters" clientAuth
  issue_cert kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
  issue_cert kube-scheduler "/CN=system:kube-scheduler" clientAuth
  issue_cert kube-proxy "/CN=system:kube-proxy" clientAuth
  issue_cert network-policies "/CN=middleware-local:network-policies" clientAuth
  issue_cert registry "/CN=middleware-local-registry" serverAuth "IP:127.0.0.1,DNS:localhost"
  if [ ! -s "$pki/service-account.key" ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$pki/service-account.key" 2> /dev/null
    chmod 600 "$pki/service-account.key"
    openssl ec -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub" 2> /dev/null
  fi
  # Secrets are encrypted in etcd with a key that never leaves this directory.
  if [ ! -s "$pki/encryption.yaml" ]; then
    (umask 077 && cat > "$pki/encryption.yaml") << EOF
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - secretbox:
          keys:
            - name: key1
              secret: $(head -c 32 /dev/urandom | base64 -w0)
      - identity: {}
EOF
  fi
  local local_api="https://$node_ip:$apiserver_port"
  write_kubeconfig "$kubeconfig" admin "$local_api"
  write_kubeconfig "$pki/kube-controller-manager.kubeconfig" kube-controller-manager "$local_api"
  write_kubeconfig "$pki/kube-scheduler.kubeconfig" kube-scheduler "$local_api"
  write_kubeconfig "$pki/kubelet.kubeconfig" kubelet-client "$local_api"
  write_kubeconfig "$pki/kube-proxy.kubeconfig" kube-proxy "$local_api"
  write_kubeconfig "$pki/network-policies.kubeconfig" network-policies "$local_api"
}
