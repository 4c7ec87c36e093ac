#!/usr/bin/env bash
# Creates the service's two database roles. Runs as a Postgres superuser: in the postgres
# image's /docker-entrypoint-initdb.d (compose, the dev overlay), by the tests against every
# Postgres they start, and by hand against a managed Postgres:
#   PGHOST=... PGUSER=<admin> POSTGRES_DB=profiles PROFILES_MIGRATOR_PASSWORD=... \
#   PROFILES_APP_PASSWORD=... bash postgres-roles.sh
#
#   profiles_migrator  owns the schema objects; Flyway runs as it (spring.flyway.user), in
#                      Kubernetes from the migrate init container only.
#   profiles_app       the service at runtime: SELECT, INSERT, UPDATE, DELETE on the rows
#                      (granted by the migrations, db/migration/V2), no DDL, no TRUNCATE.
set -euo pipefail
: "${PROFILES_MIGRATOR_PASSWORD:?PROFILES_MIGRATOR_PASSWORD is not set}"
: "${PROFILES_APP_PASSWORD:?PROFILES_APP_PASSWORD is not set}"
database=${POSTGRES_DB:-postgres}

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-${PGUSER:-postgres}}" \
  --dbname "$database" \
  -v database="$database" \
  -v migrator_password="$PROFILES_MIGRATOR_PASSWORD" \
  -v app_password="$PROFILES_APP_PASSWORD" <<'SQL'
CREATE ROLE profiles_migrator LOGIN PASSWORD :'migrator_password';
CREATE ROLE profiles_app LOGIN PASSWORD :'app_password';
-- Only the migrator creates objects (before Postgres 15 every role could, in public).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO profiles_migrator;
GRANT USAGE ON SCHEMA public TO profiles_app;
GRANT CONNECT ON DATABASE :"database" TO profiles_migrator, profiles_app;
SQL
