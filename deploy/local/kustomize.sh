#!/usr/bin/env bash
# kustomize, for rendering deploy/k8s/ (the lint phase; tests/integration/deploy/test_kustomize.py).
# `kubectl kustomize` when this machine's kubectl has kustomize v5 or later built in (the image's
# kubectl does); otherwise the standalone kustomize, built from the Go module proxy into
# .cache/kustomize/ (git-ignored) and linked as .cache/kustomize/bin/kustomize, where the tests look.
# Debian's kubernetes-client will not do: its kubectl 1.20 embeds kustomize v2, which rejects the
# `labels` field the overlays use. Idempotent: a second run only checks.
set -euo pipefail
SERVER=kustomize
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The newest kustomize that `go install` builds with this machine's Go without a newer toolchain.
KUSTOMIZE_VERSION=v5.7.1
KUBECTL=${KUBECTL:-kubectl}
TOOLS_DIR=$CACHE_DIR/kustomize/$KUSTOMIZE_VERSION
BIN_LINK=$CACHE_DIR/kustomize/bin/kustomize

# The major version of the kustomize built into kubectl ("Kustomize Version: v5.5.0"), or nothing.
kubectl_kustomize_major() {
  "$KUBECTL" version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9][0-9]*\)\..*/\1/p'
}

prepare_dir
if command -v "$KUBECTL" >/dev/null; then
  major=$(kubectl_kustomize_major)
  if [[ -n $major ]] && ((major >= 5)); then
    log "using: $(command -v "$KUBECTL") kustomize ($("$KUBECTL" version --client 2>/dev/null | grep '^Kustomize Version'))"
    exit 0
  fi
  log "$(command -v "$KUBECTL") has no kustomize v5 built in (found: ${major:-none}): using the standalone kustomize"
fi

if [[ ! -x $TOOLS_DIR/kustomize ]]; then
  command -v go >/dev/null || die "go not found: it builds kustomize $KUSTOMIZE_VERSION (or install a kubectl with kustomize v5)"
  log "building kustomize $KUSTOMIZE_VERSION with go install (a minute or so, once)"
  mkdir -p "$TOOLS_DIR"
  run "go install sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" \
    env GOBIN="$TOOLS_DIR" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi
mkdir -p "$(dirname "$BIN_LINK")"
ln -sfn "$TOOLS_DIR/kustomize" "$BIN_LINK"
"$BIN_LINK" version >>"$LOG_FILE" 2>&1 || die "$BIN_LINK version"
log "using: $BIN_LINK ($("$BIN_LINK" version))"
