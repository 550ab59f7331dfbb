#!/usr/bin/env bash
# `make test`: venv, npm tools, lint, servers and pytest, with a banner and a timing per phase.
# The servers start in the background while venv, npm and lint run. Servers this run started are
# stopped at the end unless KEEP_SERVERS=1. Arguments are passed to one pytest run of what they select;
# without them the suite runs in two phases (see the pytest phases below), then pyzeebe's own suite.
set -euo pipefail
SERVER="test"
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

MAKE=${MAKE:-make}
SERVERS=deploy/local/servers.sh
UP_LOG=$VAR_DIR/servers-up.log
ALL_SERVERS=(postgres mariadb redis kafka)

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
seconds() { printf '%d.%ds' $(($1 / 1000)) $(($1 % 1000 / 100)); }

RUN_START=$(now_ms)
PHASE=
PHASE_START=0
SUMMARY=()
phase() {
  end_phase
  PHASE=$1
  PHASE_START=$(now_ms)
  printf '\n==> %s\n' "$PHASE"
}
end_phase() {
  [[ -n $PHASE ]] || return 0
  local took
  took=$(seconds $(($(now_ms) - PHASE_START)))
  printf '<== %s: %s\n' "$PHASE" "$took"
  SUMMARY+=("$(printf '%8s  %s' "$took" "$PHASE")")
  PHASE=
}

UP_PID=
OURS=()
# shellcheck disable=SC2317 # run by the EXIT trap
finish() {
  local rc=$?
  end_phase
  if [[ -n $UP_PID ]]; then
    phase "servers: letting the background start finish"
    wait "$UP_PID" 2>/dev/null || true
    end_phase
  fi
  if ((${#OURS[@]})); then
    if [[ ${KEEP_SERVERS:-0} == 1 ]]; then
      printf '\nKEEP_SERVERS=1: leaving %s running (stop them with: make servers-down)\n' "${OURS[*]}"
    else
      phase "stop the servers this run started: ${OURS[*]}"
      "$SERVERS" down "${OURS[@]}" || rc=1
      end_phase
    fi
  fi
  printf '\n==> make test %s in %s\n' "$( ((rc == 0)) && echo passed || echo FAILED)" \
    "$(seconds $(($(now_ms) - RUN_START)))"
  printf '%s\n' "${SUMMARY[@]}"
  exit "$rc"
}
trap finish EXIT

phase "servers: starting in the background (log: ${UP_LOG#"$REPO_ROOT"/})"
mkdir -p "$VAR_DIR"
running=$("$SERVERS" status | awk '$2 == "running" { print $1 }')
for name in "${ALL_SERVERS[@]}"; do
  grep -qx "$name" <<<"$running" || OURS+=("$name")
done
already=${running//$'\n'/ }
echo "already running: ${already:-none}; to start: ${OURS[*]:-none}"
"$SERVERS" up >"$UP_LOG" 2>&1 &
UP_PID=$!

phase "venv (.venv from pyproject.toml)"
"$MAKE" --no-print-directory venv

phase "npm (BPMN lint tools)"
deploy/local/npm.sh
phase "monitor assets (bpmn-js viewer, chromium for the browser tests)"; deploy/local/monitor.sh --browser

phase "lint (ruff, mypy, bpmnlint, deploy/ checks; promtool, docker-compose, yamllint, kustomize installed)"
"$MAKE" --no-print-directory lint

phase "servers: waiting until ready"
up_rc=0
wait "$UP_PID" || up_rc=$?
UP_PID=
cat "$UP_LOG"
((up_rc == 0)) || { echo "servers failed to start (see above)" >&2; exit 1; }

eval "$("$SERVERS" env)"
run_pytest() {
  local rc=0
  .venv/bin/pytest "$@" || rc=$?
  if ((rc == 5)); then
    echo "pytest collected no tests: that is a failure" >&2
  fi
  ((rc == 0)) || exit "$rc"
}
if (($# == 0)); then
  # Most tests wait on servers, subprocesses and timers rather than compute, so two workers take a
  # third off the suite's time on two cores. The end-to-end tests run alone afterwards: one stops the
  # broker for 20 s, one uses the stack's fixed default ports, and the stack they share is a dozen
  # processes that want the cores to themselves.
  workers=${PYTEST_WORKERS:-2}
  phase "pytest: unit, integration and contract tests ($workers workers)"
  run_pytest --numprocesses "$workers" --ignore=tests/e2e
  phase "pytest: end-to-end tests, one at a time"
  run_pytest tests/e2e
  # pyzeebe's own integration suite, unchanged, against the local engine.
  phase "pyzeebe's integration suite against the engine"
  "$MAKE" --no-print-directory pyzeebe-suite
else
  phase "pytest $*"
  run_pytest "$@"
fi
