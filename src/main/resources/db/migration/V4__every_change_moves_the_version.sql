-- Every change of a profile moves its version, whoever makes it. The caches compare
-- versions (a write-through keeps the newer value, change data capture drops only older
-- ones), so an UPDATE from psql or a batch job that leaves the version as it was must not
-- look like no change at all. The service's own updates already move it (JPA @Version).
CREATE FUNCTION user_profiles_move_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version <= OLD.version THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER user_profiles_version BEFORE UPDATE ON user_profiles
  FOR EACH ROW EXECUTE FUNCTION user_profiles_move_version();
