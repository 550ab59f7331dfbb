#!/usr/bin/env bash
# promtool (and prometheus) from Debian's `prometheus` package, for the checks and unit tests of
# deploy/prometheus/. It only installs: the package's own service is kept from starting, now and at
# boot, so nothing runs or listens afterwards.
set -euo pipefail
SERVER=prometheus
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROMTOOL=/usr/bin/promtool
POLICY=/usr/sbin/policy-rc.d

as_root() { if ((EUID == 0)); then "$@"; else sudo "$@"; fi; }
# Live prometheus processes (a stopped one may linger a moment as a zombie).
prometheus_pids() { pgrep -x --runstates R,S,D,T prometheus || true; }

prepare_dir
if [[ -x $PROMTOOL && -x /usr/bin/prometheus ]]; then
  log "installed: $("$PROMTOOL" --version 2>&1 | head -n 1)"
  exit 0
fi

# The package's postinst starts its service through invoke-rc.d or deb-systemd-invoke; both ask
# policy-rc.d first, and its 101 means "no". Containers usually have such a policy already; otherwise
# one is put in place for this install only.
if [[ ! -e $POLICY ]]; then
  trap 'as_root rm -f "$POLICY"' EXIT
  printf '#!/bin/sh\n# deploy/local/prometheus.sh: no service starts during its install\nexit 101\n' |
    as_root tee "$POLICY" >/dev/null
  as_root chmod 755 "$POLICY"
fi
running_before=$(prometheus_pids)

apt_install prometheus

# Not at boot either: sysvinit's links, and systemd's (systemctl edits them even when systemd is not
# running).
run "update-rc.d prometheus disable" as_root update-rc.d prometheus disable
if command -v systemctl >/dev/null; then
  run "systemctl disable prometheus" as_root systemctl disable prometheus.service
fi
# A policy of this machine's that allows starts let the service run: stop it.
if [[ $(prometheus_pids) != "$running_before" ]]; then
  log "the package's service started: stopping it"
  run "service prometheus stop" as_root service prometheus stop
  [[ $(prometheus_pids) == "$running_before" ]] || die "stopping the package's prometheus service"
fi

"$PROMTOOL" --version >>"$LOG_FILE" 2>&1 || die "$PROMTOOL --version"
log "installed: $("$PROMTOOL" --version 2>&1 | head -n 1)"
