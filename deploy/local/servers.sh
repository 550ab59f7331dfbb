#!/usr/bin/env bash
# The servers the tests need: up | down | status | env  [server...]  (default: all four).
set -euo pipefail
SERVER=servers
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL=(postgres mariadb redis kafka)
declare -A PORT=([postgres]=55432 [mariadb]=53306 [redis]=56379 [kafka]=59092)
# Postgres shuts down fastest (and cleanly) on SIGINT; the others on SIGTERM.
declare -A SIGNAL=([postgres]=INT [mariadb]=TERM [redis]=TERM [kafka]=TERM)

usage() {
  echo "usage: $0 up|down|status|env [${ALL[*]}]" >&2
  exit 2
}

pid_file() { echo "$VAR_DIR/$1/$1.pid"; }

# Start in parallel; every server reports its own failure, and `up` fails if any did.
up() {
  local name failed=()
  declare -A pids
  mkdir -p "$VAR_DIR"
  for name in "$@"; do
    "$REPO_ROOT/deploy/local/$name.sh" &
    pids[$name]=$!
  done
  for name in "$@"; do
    wait "${pids[$name]}" || failed+=("$name")
  done
  if ((${#failed[@]})); then
    echo "servers: failed to start: ${failed[*]}" >&2
    return 1
  fi
  echo "servers: up: $*"
}

# Stop only what our PID files name: system services on the default ports are never touched.
stop() {
  local name=$1 pidfile pid
  pidfile=$(pid_file "$name")
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    return 0
  fi
  pid=$(<"$pidfile")
  echo "$name: stopping pid $pid"
  kill -s "${SIGNAL[$name]}" "$pid"
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name: pid $pid still running after 30s; killing it" >&2
    kill -s KILL "$pid"
  fi
  rm -f "$pidfile"
}

down() {
  local name
  for name in "$@"; do
    stop "$name" &
  done
  wait
}

# One line per server: "<name> running <pid> 127.0.0.1:<port>" or "<name> stopped".
status() {
  local name pidfile
  for name in "$@"; do
    pidfile=$(pid_file "$name")
    if pid_alive "$pidfile" && port_open "${PORT[$name]}"; then
      echo "$name running $(<"$pidfile") 127.0.0.1:${PORT[$name]}"
    else
      echo "$name stopped"
    fi
  done
}

env_lines() {
  cat <<EOF
export TEST_POSTGRES_URL=postgresql+psycopg://saga:saga@127.0.0.1:${PORT[postgres]}/postgres
export TEST_MARIADB_URL=mysql+pymysql://saga:saga@127.0.0.1:${PORT[mariadb]}/mysql
export TEST_REDIS_URL=redis://127.0.0.1:${PORT[redis]}/0
export TEST_KAFKA_BOOTSTRAP=127.0.0.1:${PORT[kafka]}
EOF
}

(($# >= 1)) || usage
command=$1
shift
(($#)) || set -- "${ALL[@]}"
for name in "$@"; do
  [[ -v "PORT[$name]" ]] || usage
done

case $command in
  up) up "$@" ;;
  down) down "$@" ;;
  status) status "$@" ;;
  env) env_lines ;;
  *) usage ;;
esac
