#!/usr/bin/env bash
# The monitor's build step (`make monitor-assets`, `make run`): the bpmn-js viewer copied from
# node_modules into engine/monitor/static/vendor/ (git-ignored); with --browser (`make test`) also
# Debian's chromium for the browser tests. The engine serves the copied files; it never needs node at
# run time.
set -euo pipefail
SERVER=monitor
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$REPO_ROOT"
prepare_dir
"$REPO_ROOT/deploy/local/npm.sh"

DIST=node_modules/bpmn-js/dist
VENDOR=engine/monitor/static/vendor
[[ -f $DIST/bpmn-navigated-viewer.production.min.js ]] || die "finding bpmn-js in node_modules (npm ci)"
rm -rf "$VENDOR.tmp"
mkdir -p "$VENDOR.tmp"
cp "$DIST/bpmn-navigated-viewer.production.min.js" "$VENDOR.tmp/"
cp -R "$DIST/assets/." "$VENDOR.tmp/"
cp node_modules/bpmn-js/LICENSE "$VENDOR.tmp/LICENSE.bpmn-js" 2>/dev/null || true
rm -rf "$VENDOR"
mv "$VENDOR.tmp" "$VENDOR"
log "bpmn-js $(node -p "require('./node_modules/bpmn-js/package.json').version") viewer copied to $VENDOR"

if [[ ${1:-} == --browser ]]; then
  # Playwright's own browser download does not work here: the browser tests drive Debian's chromium.
  command -v chromium >/dev/null || apt_install chromium
  log "chromium: $(command -v chromium)"
fi
