#!/usr/bin/env bash
# Creates the service's two database roles. Runs as a Postgres superuser: in the postgres
# image's /docker-entrypoint-initdb.d (compose, the dev overlay), by the tests against every
# Postgres they start, and by hand against a managed Postgres:
#   PGHOST=... PGUSER=<admin> POSTGRES_DB=profiles PROFILES_MIGRATOR_PASSWORD=... \
#   PROFILES_APP_PASSWORD=... PROFILES_CDC_PASSWORD=... bash postgres-roles.sh
#
#   profiles_migrator  owns the schema objects; Flyway runs as it (spring.flyway.user), in
#                      Kubernetes from the migrate init container only.
#   profiles_app       the service at runtime: SELECT, INSERT, UPDATE, DELETE on the rows
#                      (granted by the migrations, db/migration/V2), no DDL, no TRUNCATE.
#   profiles_cdc       reads the changes of the publication user_profile_changes (V3) over
#                      logical replication (REPLICATION); no access to any table.
# Logical decoding needs the server started with wal_level=logical.
set -euo pipefail
: "${PROFILES_MIGRATOR_PASSWORD:?PROFILES_MIGRATOR_PASSWORD is not set}"
: "${PROFILES_APP_PASSWORD:?PROFILES_APP_PASSWORD is not set}"
: "${PROFILES_CDC_PASSWORD:?PROFILES_CDC_PASSWORD is not set}"
database=${POSTGRES_DB:-postgres}

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-${PGUSER:-postgres}}" \
  --dbname "$database" \
  -v database="$database" <<'SQL'
-- The passwords come from the environment (psql >= 15), never from psql's command line.
\getenv migrator_password PROFILES_MIGRATOR_PASSWORD
\getenv app_password PROFILES_APP_PASSWORD
\getenv cdc_password PROFILES_CDC_PASSWORD
CREATE ROLE profiles_migrator LOGIN PASSWORD :'migrator_password';
CREATE ROLE profiles_app LOGIN PASSWORD :'app_password';
CREATE ROLE profiles_cdc LOGIN REPLICATION PASSWORD :'cdc_password';
-- Only the migrator creates objects (before Postgres 15 every role could, in public).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO profiles_migrator;
GRANT USAGE ON SCHEMA public TO profiles_app;
GRANT CONNECT ON DATABASE :"database" TO profiles_migrator, profiles_app, profiles_cdc;
-- CREATE PUBLICATION (migration V3) needs CREATE on the database.
GRANT CREATE ON DATABASE :"database" TO profiles_migrator;
SQL

# Replication connections match only pg_hba.conf lines for the "replication" database:
# the image's "host all all all" does not let profiles_cdc stream. Inside the image's
# initdb (PGDATA set) the line is added here; elsewhere it is the operator's part.
if [ -n "${PGDATA:-}" ] && [ -w "$PGDATA/pg_hba.conf" ]; then
  echo "host replication profiles_cdc all scram-sha-256" >>"$PGDATA/pg_hba.conf"
fi
