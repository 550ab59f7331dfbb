#!/usr/bin/env bash
# The BPMN lint tools (package.json + package-lock.json at the repo root) into node_modules/.
set -euo pipefail
SERVER=npm
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"
prepare_dir
STAMP=node_modules/.installed-from

command -v npm >/dev/null || apt_install nodejs npm
lock_sum=$(cat package.json package-lock.json | sha256sum | cut -d ' ' -f 1)
if [[ $(cat "$STAMP" 2>/dev/null) == "$lock_sum" ]]; then
  log "node_modules is up to date"
  exit 0
fi

log "npm ci"
# The npm cache lives in .cache/ too, so a CI cache of .cache/ covers it.
run "npm ci" npm ci --no-audit --no-fund --cache "$CACHE_DIR/npm"
echo "$lock_sum" >"$STAMP"
