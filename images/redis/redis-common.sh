# Shared by the entrypoints and the probe. Passwords are read from the mounted Secret files and
# reach redis-cli through REDISCLI_AUTH, never argv (argv is visible in every `ps`).

AUTH_DIR=${AUTH_DIR:-/etc/auth}
RUN_DIR=${RUN_DIR:-/run/app}

read_secret() {
  local file="$AUTH_DIR/$1"
  if [ ! -s "$file" ]; then
    echo "${0##*/}: $file is missing or empty; mount the auth Secret at $AUTH_DIR" >&2
    exit 1
  fi
  tr -d '\r\n' < "$file"
}

sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# This pod's stable DNS name (StatefulSet pod behind its headless Service), or the hostname alone.
pod_fqdn() {
  if [ -n "${POD_DOMAIN:-}" ]; then echo "$(hostname).$POD_DOMAIN"; else hostname; fi
}

# Asks the sentinels which host is master of $MASTER_NAME; prints nothing when none knows.
sentinel_master() {
  local reply host
  [ -n "${SENTINEL_HOST:-}" ] || return 0
  reply=$(REDISCLI_AUTH="$(read_secret password)" timeout 3 redis-cli --no-auth-warning --raw \
    -h "$SENTINEL_HOST" -p "${SENTINEL_PORT:-26379}" SENTINEL get-master-addr-by-name "$MASTER_NAME" 2>/dev/null) || return 0
  host=$(head -n1 <<<"$reply")
  # Only a host name or address is an answer; errors and empty replies are not.
  if [[ "$host" =~ ^[A-Za-z0-9]([-A-Za-z0-9.:]*[A-Za-z0-9])?$ ]] && [ "$(sed -n 2p <<<"$reply")" != "" ]; then echo "$host"; fi
}
