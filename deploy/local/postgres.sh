#!/usr/bin/env bash
# PostgreSQL on 127.0.0.1:55432, data in var/postgres, run as the `postgres` system user.
set -euo pipefail
SERVER=postgres
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=55432
DATA=$SERVER_DIR/data
SOCKETS=$SERVER_DIR/run

prepare_dir
already_running "$PORT" && exit 0

pg_bin() { find /usr/lib/postgresql/*/bin -maxdepth 0 2>/dev/null | sort -V | tail -n 1; }
if [[ -z $(pg_bin) ]]; then
  if apt-cache show postgresql-15 >/dev/null 2>&1; then apt_install postgresql-15; else apt_install postgresql; fi
fi
BIN=$(pg_bin)
[[ -x $BIN/postgres ]] || die "finding the PostgreSQL binaries under /usr/lib/postgresql"
id -u postgres >/dev/null 2>&1 || run "useradd postgres" useradd --system --user-group --no-create-home postgres

mkdir -p "$DATA" "$SOCKETS"
chown postgres: "$DATA" "$SOCKETS"
chmod 700 "$DATA"
require_access postgres "$DATA"

as_pg() { runuser -u postgres -- "$@"; }

if [[ ! -s $DATA/PG_VERSION ]]; then
  log "initialising $DATA"
  run "initdb" as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync
  cat >"$DATA/pg_hba.conf" <<'EOF'
local all all                trust
host  all all 127.0.0.1/32   scram-sha-256
EOF
  cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKETS'
max_connections = 200
# Test data is disposable: trade durability for speed.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
fi

log "starting on 127.0.0.1:$PORT"
# The log is opened by postgres itself, so hand it over first.
touch "$LOG_FILE" && chown postgres: "$LOG_FILE"
run "pg_ctl start" as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG_FILE" -t "$START_TIMEOUT" -w start
head -n 1 "$DATA/postmaster.pid" >"$PID_FILE"
wait_until "pg_isready" "$(<"$PID_FILE")" "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"

run "creating role saga" as_pg "$BIN/psql" -v ON_ERROR_STOP=1 -q -h "$SOCKETS" -p "$PORT" -d postgres -c "
  DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'saga') THEN
      CREATE ROLE saga LOGIN SUPERUSER PASSWORD 'saga';
    END IF;
  END \$\$;"
log "ready (pid $(<"$PID_FILE"))"
