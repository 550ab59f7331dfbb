#!/usr/bin/env bash
# The tools that check deploy/compose/ without a container engine: Debian's `docker-compose` (1.29, for
# `docker-compose config -q`) and `yamllint`. It only installs them; nothing runs or listens afterwards.
# Quick when both are already there.
set -euo pipefail
SERVER=compose-tools
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COMPOSE=/usr/bin/docker-compose
YAMLLINT=/usr/bin/yamllint

versions() { printf '%s; %s' "$("$COMPOSE" version --short 2>&1)" "$("$YAMLLINT" --version 2>&1)"; }

prepare_dir
if [[ -x $COMPOSE && -x $YAMLLINT ]]; then
  log "installed: $(versions)"
  exit 0
fi

apt_install docker-compose yamllint

"$COMPOSE" version --short >>"$LOG_FILE" 2>&1 || die "$COMPOSE version"
"$YAMLLINT" --version >>"$LOG_FILE" 2>&1 || die "$YAMLLINT --version"
log "installed: $(versions)"
