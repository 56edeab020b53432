# The registry standing in for Harbor: Debian's OCI registry (the CNCF Distribution registry that
# Harbor runs inside) on loopback, TLS from the cluster CA, htpasswd auth. The Docker engine and
# the cluster's containerd both trust the CA, so `docker push` and the kubelet's pull with an
# imagePullSecret work exactly as against Harbor. The push and pull passwords are generated once and
# kept in registry/password and registry/pull-password (0600); nothing else holds them in plaintext.

registry_password_file() { echo "$home/registry/password"; }
registry_pull_password_file() { echo "$home/registry/pull-password"; }

# A generated password in $1 (0600), made once.
ensure_password_file() {
  [ -s "$1" ] || (umask 077 && head -c 24 /dev/urandom | base64 -w0 | tr '+/' '-_' > "$1")
}

write_registry_config() {
  mkdir -p "$home/registry/data"
  chmod 700 "$home/registry"
  ensure_password_file "$(registry_password_file)"
  ensure_password_file "$(registry_pull_password_file)"
  # htpasswd reads the password from stdin (-i), never from argv.
  (umask 077 && {
    htpasswd -niB "$registry_user" < "$(registry_password_file)"
    htpasswd -niB "$registry_pull_user" < "$(registry_pull_password_file)"
  } > "$home/registry/htpasswd")
  cat > "$home/registry/config.yml" << EOF
version: 0.1
log: {level: info, formatter: text}
storage:
  filesystem: {rootdirectory: $home/registry/data}
  delete: {enabled: true}
http:
  addr: $registry_host
  tls: {certificate: $pki/registry.crt, key: $pki/registry.key}
auth:
  htpasswd: {realm: middleware-local, path: $home/registry/htpasswd}
EOF
  # The Docker engine reads certs.d per registry on every push; no restart needed.
  mkdir -p "/etc/docker/certs.d/$registry_host"
  cp "$pki/ca.crt" "/etc/docker/certs.d/$registry_host/ca.crt"
}

# registry_answers: the registry is up and refuses anonymous requests (401), as Harbor does.
registry_answers() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$pki/ca.crt" "https://$registry_host/v2/")" = 401 ]
}

start_registry() {
  # Rewritten every time (idempotent): the registry re-reads htpasswd when it changes, so a user
  # added since it started (the pull account) is known without a restart.
  write_registry_config
  is_running registry && return
  start_process registry docker-registry serve "$home/registry/config.yml"
  wait_until registry 30 registry_answers
}
