# Shared by the entrypoints and the probe. Passwords are read from the mounted Secret files and
# reach redis-cli through REDISCLI_AUTH, never argv (argv is visible in every `ps`).

AUTH_DIR=${AUTH_DIR:-/etc/auth}
RUN_DIR=${RUN_DIR:-/run/app}
# The pod's certificate, its key and the workload's authority, where the workload speaks TLS
# (the program mounts its <workload>-tls Secret here only then).
TLS_DIR=${TLS_DIR:-/etc/tls}
# Every file the auth Secret may hold (components/platform/auth-files.ts AuthFile).
AUTH_FILES="password previous-password admin-password replication-password sentinel-password sentinel-peer-password discovery-password handover-password cluster-peers-password metrics-password"

# What redis-cli needs to speak TLS to a server of this workload: this pod's certificate (the
# servers demand one) and the authority a server's certificate must chain to. Empty without TLS.
tls_on() { [ -s "$TLS_DIR/tls.crt" ]; }
redis_cli_tls=()
if tls_on; then redis_cli_tls=(--tls --cacert "$TLS_DIR/ca.crt" --cert "$TLS_DIR/tls.crt" --key "$TLS_DIR/tls.key"); fi

die() { echo "${0##*/}: $*" >&2; exit 1; }

read_secret() {
  local file="$AUTH_DIR/$1"
  [ -s "$file" ] || die "$file is missing or empty; mount the auth Secret at $AUTH_DIR"
  tr -d '\r\n' < "$file"
}

sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# The SHA-256 (hex) of password file $1: from its .sha256 file, which the program mounts instead
# of a password the container only checks (the client's, the admin's), else from the password.
password_hash() {
  local hash
  if [ -e "$AUTH_DIR/$1.sha256" ]; then
    hash=$(tr -d '\r\n' < "$AUTH_DIR/$1.sha256")
    [[ $hash =~ ^[0-9a-f]{64}$ ]] || die "$AUTH_DIR/$1.sha256 is not a SHA-256 in hex"
    echo "$hash"
  else
    local secret; secret=$(read_secret "$1") || exit 1
    sha256 "$secret"
  fi
}

# Copies a config template from stdin to stdout, replacing @HASH:<file>@ with #<sha256 of that
# password> (ACL user lines) and @SECRET:<file>@ with the password (only internal ones are).
render_auth() {
  local text f
  text=$(cat)
  for f in $AUTH_FILES; do
    if [[ $text == *"@HASH:$f@"* ]]; then
      local hash; hash=$(password_hash "$f") || exit 1
      text=${text//"@HASH:$f@"/"#$hash"}
    fi
    if [[ $text == *"@SECRET:$f@"* ]]; then
      local secret; secret=$(read_secret "$f") || exit 1
      text=${text//"@SECRET:$f@"/"$secret"}
    fi
  done
  if [[ $text =~ @(HASH|SECRET):[^@]*@ ]]; then die "unknown auth placeholder ${BASH_REMATCH[0]} in the config template"; fi
  printf '%s\n' "$text"
}

# The probe authenticates with the credential the server was started with, not the mounted file:
# after a password change the file updates in every pod at once, the running servers do not.
save_probe_auth() {
  (umask 077; printf '%s\n%s\n' "$1" "$(read_secret "$2")" > "$RUN_DIR/probe-auth")
}

# This pod's stable DNS name (StatefulSet pod behind its headless Service), or the hostname alone.
pod_fqdn() {
  if [ -n "${POD_DOMAIN:-}" ]; then echo "$(hostname).$POD_DOMAIN"; else hostname; fi
}

# True when $1 is a pod of this stack's Sentinel data StatefulSet: a name under the domain of
# $DEFAULT_MASTER_HOST (data pod 0). Anything else named as master is an attack or a mistake.
is_own_data_pod() {
  local domain=${DEFAULT_MASTER_HOST#*.}
  [ "$domain" != "$DEFAULT_MASTER_HOST" ] || { [ "$1" = "$DEFAULT_MASTER_HOST" ]; return; }
  [[ "$1" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.(.+)$ && "${BASH_REMATCH[2]}" == "$domain" ]]
}

# Asks the sentinels which host is master of $MASTER_NAME; prints nothing when none knows, and
# refuses (with a log line) a master outside this stack's data pods.
sentinel_master() {
  local reply host
  [ -n "${SENTINEL_HOST:-}" ] || return 0
  reply=$(REDISCLI_AUTH="$(read_secret discovery-password)" timeout 3 redis-cli "${redis_cli_tls[@]}" --no-auth-warning --raw --user discovery \
    -h "$SENTINEL_HOST" -p "${SENTINEL_PORT:-26379}" SENTINEL get-master-addr-by-name "$MASTER_NAME" 2>/dev/null) || return 0
  host=$(head -n1 <<<"$reply")
  # Only a host name or address is an answer; errors and empty replies are not.
  [[ "$host" =~ ^[A-Za-z0-9]([-A-Za-z0-9.:]*[A-Za-z0-9])?$ ]] && [ "$(sed -n 2p <<<"$reply")" != "" ] || return 0
  if is_own_data_pod "$host"; then echo "$host"; else echo "${0##*/}: ignoring master '$host' named by the sentinels: not a pod of $DEFAULT_MASTER_HOST's StatefulSet" >&2; fi
}

# Whether the sentinels are deployed: their Service's name resolves from the first deploy on,
# whether or not a sentinel answers yet (on a fresh deployment the data pods start first, before
# that Service exists).
sentinels_deployed() {
  [ -n "${SENTINEL_HOST:-}" ] && getent hosts "$SENTINEL_HOST" > /dev/null 2>&1
}

# Whether the set has formed: the marker the program writes once its health assertion first passed
# (a ConfigMap mounted where present).
set_formed() { [ -e "${FORMATION_FILE:-/etc/formation/formed}" ]; }

# Asks the sentinels until one names the master, for at most $SENTINEL_WAIT_SECONDS (default 240,
# inside the startup probe's 300 s); prints it, or fails saying why this pod will not guess.
await_sentinel_master() {
  local wait=${SENTINEL_WAIT_SECONDS:-240} start=$SECONDS master
  echo "${0##*/}: no sentinel answers yet, and the sentinels are deployed or this volume holds data; waiting for them to name the master" >&2
  while [ $((SECONDS - start)) -lt "$wait" ]; do
    master=$(sentinel_master)
    if [ -n "$master" ]; then
      echo "${0##*/}: the sentinels name $master as master after $((SECONDS - start)) s" >&2
      echo "$master"
      return 0
    fi
    sleep 2
  done
  die "no sentinel named the master within $wait s. Not guessing: after a failover the master is not pod 0, and a pod that made itself (or pod 0) master would overwrite the newer data on the others. Check the sentinel pods ($SENTINEL_HOST); this pod starts once they answer"
}

# Whether a data directory holds a data set: an AOF (Redis 7 creates appendonlydir when it first
# starts, so any pod that ever served has one) or an RDB from before AOF was on.
holds_data() { compgen -G "$1/appendonlydir/*" > /dev/null || [ -s "$1/dump.rdb" ]; }

# The operator's answer to "this pod's volume is lost and no copy exists": a file in the run
# directory (`kubectl exec <pod> -- touch /run/app/accept-empty-data`) lets it serve empty.
accepts_empty_data() { [ -e "$RUN_DIR/accept-empty-data" ]; }

# Called when the sentinels name this pod ($1) master while its volume is empty: the set was
# formed, so its data lives on the replicas. Serving now would make them full-sync the empty set.
# This pod stays down until the sentinels fail over to a replica (they see it down after
# down-after-milliseconds) and prints the new master, or fails saying why; the operator's file
# above is the only way to serve empty.
await_failover_from_empty() {
  local self=$1 wait=${SENTINEL_WAIT_SECONDS:-240} start=$SECONDS master
  while [ $((SECONDS - start)) -lt "$wait" ]; do
    echo "${0##*/}: REFUSING TO SERVE: the sentinels name this pod ($self) master but its volume holds no data; the data set lives on the replicas. Waiting for a failover to one of them ($((SECONDS - start)) s)" >&2
    if accepts_empty_data; then
      echo "${0##*/}: $RUN_DIR/accept-empty-data exists: serving as master on an empty volume, as the operator asked" >&2
      echo "$self"
      return 0
    fi
    master=$(sentinel_master)
    if [ -n "$master" ] && [ "$master" != "$self" ]; then
      echo "${0##*/}: the sentinels failed over to $master; joining it as a replica after $((SECONDS - start)) s" >&2
      echo "$master"
      return 0
    fi
    sleep 2
  done
  die "the sentinels still name this empty pod master after $wait s; no replica could take over. Not serving an empty data set that the others would copy. If every copy of the data is lost for good: kubectl exec $(hostname) -- touch $RUN_DIR/accept-empty-data"
}

# The replicas a sentinel could promote, one name per line, from its `SENTINEL REPLICAS` answer on
# stdin (--raw: alternating field and value lines, one record per replica starting at "name"):
# reachable (flags exactly "slave"), linked to the master, priority not 0.
promotable_replicas() {
  awk 'function judge() { if (ip != "" && f == "slave" && ls == "ok" && p != "" && p != "0") print ip }
    NR % 2 == 1 { k = $0; next }
    k == "name" { judge(); ip = ""; f = ""; ls = ""; p = "" }
    k == "ip" { ip = $0 } k == "flags" { f = $0 } k == "master-link-status" { ls = $0 } k == "slave-priority" { p = $0 }
    END { judge() }'
}

# Shared by the preStop hooks (redis-handover, redis-cluster-handover), which set $port and, with
# the handover user's password, $password first.

# The kubelet keeps a hook's output only when it fails; the server's stderr (PID 1 in the pod) is
# the pod's log. Anywhere else (a test on the host) a hook keeps its own stderr.
hook_logs_to_server() {
  if [ "$(cat /proc/1/comm 2> /dev/null)" = redis-server ] && [ -w /proc/1/fd/2 ]; then exec 2>> /proc/1/fd/2; fi
}
now_us() { echo "${EPOCHREALTIME/./}"; }
# Seconds since a now_us reading, to a tenth.
since() { local ds=$((($(now_us) - $1) / 100000)); echo "$((ds / 10)).$((ds % 10)) s"; }
as_handover() {
  local host=$1 p=$2; shift 2
  REDISCLI_AUTH="$password" timeout 3 redis-cli "${redis_cli_tls[@]}" --no-auth-warning --raw --user handover -h "$host" -p "$p" "$@"
}
on_self() { as_handover 127.0.0.1 "$port" "$@"; }
replication_info() { on_self INFO replication | tr -d '\r'; }
# Replicas of an INFO replication answer ($1) still in their first sync.
count_syncing() { grep '^slave[0-9]*:' <<<"$1" | grep -vc 'state=online,'; }
