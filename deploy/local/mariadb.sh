#!/usr/bin/env bash
# MariaDB on 127.0.0.1:53306, data and socket in var/mariadb, run as the `mysql` system user.
set -euo pipefail
SERVER=mariadb
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=53306
DATA=$SERVER_DIR/data
SOCKET=$SERVER_DIR/run/mariadb.sock

prepare_dir
already_running "$PORT" && exit 0

command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || apt_install mariadb-server
export PATH=$PATH:/usr/sbin
id -u mysql >/dev/null 2>&1 || run "useradd mysql" useradd --system --user-group --no-create-home mysql

mkdir -p "$DATA" "$(dirname "$SOCKET")"
chown mysql: "$DATA" "$(dirname "$SOCKET")"
require_access mysql "$DATA"

if [[ ! -d $DATA/mysql ]]; then
  log "initialising $DATA"
  run "mariadb-install-db" mariadb-install-db --no-defaults --user=mysql --datadir="$DATA" \
    --skip-test-db --auth-root-authentication-method=socket
fi

log "starting on 127.0.0.1:$PORT"
# --no-defaults keeps the system's /etc/mysql configuration (and its port/socket) out of it.
setsid mariadbd --no-defaults --user=mysql --datadir="$DATA" --socket="$SOCKET" \
  --bind-address=127.0.0.1 --port="$PORT" --skip-name-resolve \
  --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --max-connections=300 \
  </dev/null >>"$LOG_FILE" 2>&1 &
echo $! >"$PID_FILE"
admin=(mariadb-admin --no-defaults --socket="$SOCKET" --user=root)
wait_until "mariadb-admin ping" "$(<"$PID_FILE")" "${admin[@]}" ping
port_open "$PORT" || die "listening on port $PORT"

run "creating user saga" mariadb --no-defaults --socket="$SOCKET" --user=root -e "
  CREATE USER IF NOT EXISTS 'saga'@'127.0.0.1' IDENTIFIED BY 'saga';
  CREATE USER IF NOT EXISTS 'saga'@'localhost' IDENTIFIED BY 'saga';
  GRANT ALL PRIVILEGES ON *.* TO 'saga'@'127.0.0.1' WITH GRANT OPTION;
  GRANT ALL PRIVILEGES ON *.* TO 'saga'@'localhost' WITH GRANT OPTION;"
log "ready (pid $(<"$PID_FILE"))"
