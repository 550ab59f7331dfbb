# shellcheck shell=bash
# Shared helpers for the deploy/local scripts. Source it after setting SERVER (e.g. SERVER=redis).
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VAR_DIR=$REPO_ROOT/var
# shellcheck disable=SC2034 # used by the scripts that source this file
CACHE_DIR=$REPO_ROOT/.cache
SERVER=${SERVER:-local}
SERVER_DIR=$VAR_DIR/$SERVER
LOG_FILE=$SERVER_DIR/$SERVER.log
PID_FILE=$SERVER_DIR/$SERVER.pid
START_TIMEOUT=${START_TIMEOUT:-90}

log() { printf '%s: %s\n' "$SERVER" "$*"; }

# die <command> [logfile]: the loud failure every script ends with when something breaks.
# A server this run started but that never became ready is stopped again.
die() {
  local what=$1 logfile=${2:-$LOG_FILE}
  if pid_alive "$PID_FILE"; then kill "$(<"$PID_FILE")" 2>/dev/null || true; fi
  rm -f "$PID_FILE"
  printf '%s: %s failed; see %s\n' "$SERVER" "$what" "$logfile" >&2
  if [[ -s $logfile ]]; then
    printf -- '--- last 30 lines of %s ---\n' "$logfile" >&2
    tail -n 30 "$logfile" >&2
    printf -- '---\n' >&2
  fi
  exit 1
}

# run <what> <command...>: run a command with its output appended to the server log.
run() {
  local what=$1
  shift
  "$@" >>"$LOG_FILE" 2>&1 </dev/null || die "$what"
}

# apt_install <package...>: install Debian packages; runs of these scripts in parallel take turns.
apt_install() {
  local sudo=()
  [[ $EUID -eq 0 ]] || sudo=(sudo)
  log "installing $* with apt-get"
  (
    flock 9
    export DEBIAN_FRONTEND=noninteractive
    local apt=("${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 -y -q)
    if ! "${apt[@]}" install --no-install-recommends "$@"; then
      # A fresh machine may have empty package lists: refresh them once and retry.
      "${apt[@]}" update && "${apt[@]}" install --no-install-recommends "$@"
    fi
  ) 9>"$VAR_DIR/.apt.lock" >>"$LOG_FILE" 2>&1 </dev/null || die "apt-get install $*"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [[ -s $1 ]] && kill -0 "$(<"$1")" 2>/dev/null; }

# already_running <port>: true when our PID file names a live process and the port answers.
# Fails loudly when something else holds the port.
already_running() {
  local port=$1
  if pid_alive "$PID_FILE" && port_open "$port"; then
    log "already running (pid $(<"$PID_FILE"), 127.0.0.1:$port): reusing it"
    return 0
  fi
  if port_open "$port"; then
    printf '%s: port %s is in use by a process this script did not start (no live %s)\n' \
      "$SERVER" "$port" "$PID_FILE" >&2
    exit 1
  fi
  rm -f "$PID_FILE"
  return 1
}

# wait_until <what> <pid> <command...>: poll a readiness probe until it succeeds, the process dies,
# or START_TIMEOUT seconds pass.
wait_until() {
  local what=$1 pid=$2 deadline=$((SECONDS + START_TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "$what (process $pid exited)"
    ((SECONDS < deadline)) || die "$what (not ready after ${START_TIMEOUT}s)"
    sleep 0.2
  done
}

# prepare_dir: create var/<server>/ and start a log section for this run.
prepare_dir() {
  mkdir -p "$SERVER_DIR"
  printf '\n===== %s %s =====\n' "$(date -Is)" "$(basename "$0")" >>"$LOG_FILE"
}

# A service user may not be able to reach var/ when the repository lives under a private home.
require_access() {
  local user=$1 dir=$2
  runuser -u "$user" -- test -w "$dir" ||
    { printf '%s: user %s cannot write %s (check permissions of its parent folders)\n' "$SERVER" "$user" "$dir" >&2; exit 1; }
}
