#!/usr/bin/env bash
# Redis on 127.0.0.1:56379, no persistence, files in var/redis.
set -euo pipefail
SERVER=redis
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=56379

prepare_dir
already_running "$PORT" && exit 0

command -v redis-server >/dev/null || apt_install redis-server

cat >"$SERVER_DIR/redis.conf" <<EOF
bind 127.0.0.1
port $PORT
dir $SERVER_DIR
logfile $LOG_FILE
pidfile $PID_FILE
daemonize yes
save ""
appendonly no
EOF

log "starting on 127.0.0.1:$PORT"
run "redis-server" redis-server "$SERVER_DIR/redis.conf"
deadline=$((SECONDS + 10))
until [[ -s $PID_FILE ]]; do
  ((SECONDS < deadline)) || die "redis-server (no pid file $PID_FILE)"
  sleep 0.1
done
pong() { [[ $(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null) == PONG ]]; }
wait_until "redis-cli ping" "$(<"$PID_FILE")" pong
log "ready (pid $(<"$PID_FILE"))"
