-- The service runs as a role that reads and writes rows and nothing else; the migrations
-- run as the schema's owner (spring.flyway.user). ${runtime-role} is the service's role
-- (spring.flyway.placeholders.runtime-role, by default spring.datasource.username): when
-- both are one role, as in the simplest setups, these grants change nothing.
GRANT SELECT, INSERT, UPDATE, DELETE ON user_profiles TO ${runtime-role};
-- UPDATE: setval, which the demo seeder calls after inserting its ids.
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${runtime-role};
-- Tables of later migrations, not Flyway's history table (created before any migration).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${runtime-role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${runtime-role};
