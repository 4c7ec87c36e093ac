-- Change data capture (issue 13): logical decoding with pgoutput streams the changes of this
-- publication, whoever made them (the service, psql, a batch job, another service), so that
-- the caches can drop what changed behind the service's back. Without wal_level=logical the
-- publication exists but publishes nothing.
CREATE PUBLICATION user_profile_changes FOR TABLE user_profiles;
