#!/bin/sh
# Runs once, when the PostgreSQL volume is empty (docker-entrypoint-initdb.d), as the superuser:
# one user per tenant, each owning only its own databases.
#   shop     -> database shop                           (the app: web, worker, migrate)
#   temporal -> databases temporal, temporal_visibility (the Temporal server and its schema job)
# Neither may connect to the other's databases. An existing volume is left alone: see
# "Separate database users" in docs/OPERATIONS.md to move an older stack over.
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v shop_user="$SHOP_DB_USER" -v shop_password="$SHOP_DB_PASSWORD" -v shop_db="$SHOP_DB_NAME" \
  -v temporal_user="$TEMPORAL_DB_USER" -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE :"shop_user" LOGIN PASSWORD :'shop_password';
CREATE DATABASE :"shop_db" OWNER :"shop_user";
REVOKE ALL ON DATABASE :"shop_db" FROM PUBLIC;

CREATE ROLE :"temporal_user" LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER :"temporal_user";
CREATE DATABASE temporal_visibility OWNER :"temporal_user";
REVOKE ALL ON DATABASE temporal FROM PUBLIC;
REVOKE ALL ON DATABASE temporal_visibility FROM PUBLIC;
SQL
