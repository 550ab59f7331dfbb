#!/usr/bin/env bash
# Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d/): one login role
# and one database owned by it per component, so no service can touch another's tables. The passwords
# come from the container's environment (deploy/compose/.env).
set -euo pipefail

create() {
  local name=$1 password=$2
  # psql's :"name" and :'password' quote the values as identifier and literal ("order" is a keyword).
  psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=name="$name" --set=password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
}

create gateway "$GATEWAY_DB_PASSWORD"
create cart "$CART_DB_PASSWORD"
create pricing "$PRICING_DB_PASSWORD"
create inventory "$INVENTORY_DB_PASSWORD"
create order "$ORDER_DB_PASSWORD"
create loyalty "$LOYALTY_DB_PASSWORD"
create loyalty_points "$LOYALTY_POINTS_DB_PASSWORD"
create cart_checkouts "$CART_CHECKOUTS_DB_PASSWORD"
create payment_provider "$PROVIDER_DB_PASSWORD"
