#!/bin/sh
# One-shot schema job (temporalio/admin-tools), as in temporalio/samples-server's compose files:
# sets up, then upgrades to the image's version, the schema of Temporal's two databases. Safe to
# run on every `docker compose up` (nothing to do once the schema is current).
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"

echo "Waiting for PostgreSQL at ${POSTGRES_SEEDS}:${DB_PORT:-5432}..."
until nc -z -w 5 "${POSTGRES_SEEDS}" "${DB_PORT:-5432}"; do sleep 1; done

for db in temporal visibility; do
  name=$([ "$db" = temporal ] && echo temporal || echo temporal_visibility)
  tool="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -p ${DB_PORT:-5432} -u ${POSTGRES_USER} --db ${name}"
  $tool setup-schema -v 0.0
  $tool update-schema -d "/etc/temporal/schema/postgresql/v12/${db}/versioned"
done
echo "Temporal schema is current."
