# Starting and stopping the cluster's processes by the PIDs `up` recorded, never by name: another
# containerd, etcd or registry on the machine (the Docker engine's, a test's) is never touched.

pid_file() { echo "$run/pids/$1"; }

# recorded_pid <name>: the recorded PID if that process is alive and still runs the recorded
# binary (a PID reused by an unrelated process after a crash does not count).
recorded_pid() {
  local file pid exe
  file=$(pid_file "$1")
  [ -s "$file" ] || return 1
  read -r pid exe < "$file"
  [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] || return 1
  echo "$pid"
}

is_running() { recorded_pid "$1" > /dev/null; }

# start_process <name> <binary> <args...>: starts it in its own session (it outlives this script),
# appending to logs/<name>.log, and records "<pid> <binary>".
start_process() {
  local name=$1 binary
  binary=$(readlink -f "$(command -v "$2")") || { echo "local-cluster: $2 not found; run scripts/setup" >&2; return 1; }
  shift 2
  mkdir -p "$run/pids" "$logs"
  echo "--- $(date -Is) starting $name" >> "$logs/$name.log"
  setsid "$binary" "$@" >> "$logs/$name.log" 2>&1 < /dev/null &
  echo "$! $binary" > "$(pid_file "$name")"
}

# wait_until <name> <seconds> <command...>: polls the command until it succeeds; on time-out says
# which component did not come up and shows the end of its log.
wait_until() {
  local name=$1 seconds=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" > /dev/null 2>&1; do
    if ! is_running "$name"; then
      echo "local-cluster: $name exited while starting; end of $logs/$name.log:" >&2
      tail -n 25 "$logs/$name.log" >&2
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "local-cluster: $name not ready after ${seconds}s; end of $logs/$name.log:" >&2
      tail -n 25 "$logs/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
}

# alive <pid>: exists and is not a zombie (a child of this shell that exited is one until reaped).
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2> /dev/null; }

# stop_process <name>: SIGTERM, up to 20 s to exit, then SIGKILL; forgets the PID either way.
stop_process() {
  local pid
  if pid=$(recorded_pid "$1"); then
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 1 40); do alive "$pid" || break; sleep 0.5; done
    if alive "$pid"; then
      echo "local-cluster: $1 (pid $pid) ignored SIGTERM for 20 s; killing it" >&2
      kill -KILL "$pid" 2> /dev/null || true
      while alive "$pid"; do sleep 0.2; done
    fi
    echo "local-cluster: stopped $1 (pid $pid)"
  fi
  rm -f "$(pid_file "$1")"
}
