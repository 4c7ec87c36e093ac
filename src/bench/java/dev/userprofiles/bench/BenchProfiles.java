package dev.userprofiles.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.Map;

import dev.userprofiles.infra.TestCredentials;
import dev.userprofiles.profile.UserProfile;
import org.flywaydb.core.Flyway;

/**
 * The benchmark's data in Postgres: profiles {@code 1..n} with the values of
 * {@link SerializerBenchmarks#sampleProfile}, and the statement counts that
 * {@code pg_stat_statements} keeps.
 */
final class BenchProfiles {

	private final String url;

	private final String username;

	private final String password;

	private int loaded;

	BenchProfiles(String url, String username, String password) {
		this.url = url;
		this.username = username;
		this.password = password;
	}

	/** Creates the schema with the service's own migrations. */
	void migrate() {
		// As the deployments do: the schema's owner migrates, the service gets row
		// access.
		Flyway.configure()
			.dataSource(this.url, TestCredentials.MIGRATION_USER, TestCredentials.get().migrationPassword())
			.placeholders(Map.of("runtime-role", TestCredentials.DATABASE_USER))
			.load()
			.migrate();
		execute("create extension if not exists pg_stat_statements");
	}

	/**
	 * Makes ids {@code 1..profiles} hold the benchmark's profiles at version 1, in one
	 * statement: inserts those missing and resets those a writing scenario changed (an
	 * earlier run on this database).
	 */
	void ensure(int profiles) {
		if (profiles <= this.loaded) {
			return;
		}
		UserProfile sample = SerializerBenchmarks.sampleProfile(0);
		try (Connection connection = connect()) {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				// Triggers off for this transaction (a superuser's right): V4's would
				// move
				// the reset version past 1 again.
				statement.execute("set local session_replication_role = replica");
			}
			upsert(connection, sample, profiles);
			try (Statement statement = connection.createStatement()) {
				statement.execute("select setval(pg_get_serial_sequence('user_profiles', 'id'), "
						+ "(select max(id) from user_profiles))");
			}
			connection.commit();
			try (Statement statement = connection.createStatement()) {
				connection.setAutoCommit(true);
				statement.execute("analyze user_profiles");
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot load " + profiles + " profiles: " + ex.getMessage(), ex);
		}
		this.loaded = profiles;
	}

	private void upsert(Connection connection, UserProfile sample, int profiles) throws SQLException {
		try (PreparedStatement insert = connection.prepareStatement("""
				insert into user_profiles
				    (id, username, email, display_name, bio, avatar_url, locale, created_at, updated_at, version)
				select g, 'user' || g, 'user' || g || '@example.com', 'User ' || g, ?,
				       'https://avatars.example.com/' || g || '.png', ?, ?, ?, 1
				from generate_series(?, ?) g
				on conflict (id) do update
				set username = excluded.username, email = excluded.email, display_name = excluded.display_name,
				    bio = excluded.bio, avatar_url = excluded.avatar_url, locale = excluded.locale,
				    created_at = excluded.created_at, updated_at = excluded.updated_at, version = 1
				where user_profiles.version <> 1
				""")) {
			insert.setString(1, sample.bio());
			insert.setString(2, sample.locale());
			insert.setTimestamp(3, Timestamp.from(sample.createdAt()));
			insert.setTimestamp(4, Timestamp.from(sample.updatedAt()));
			insert.setLong(5, this.loaded + 1);
			insert.setLong(6, profiles);
			insert.executeUpdate();
		}
	}

	/**
	 * Changes a profile in Postgres directly, as psql would, behind the service's back;
	 * returns its new version (the V4 trigger moves it).
	 */
	long updateBehindTheServiceBack(long id) {
		try (Connection connection = connect();
				PreparedStatement update = connection
					.prepareStatement("update user_profiles set display_name = ? where id = ? returning version")) {
			update.setString(1, "External " + System.nanoTime());
			update.setLong(2, id);
			try (ResultSet result = update.executeQuery()) {
				if (!result.next()) {
					throw new IllegalStateException("No profile " + id);
				}
				return result.getLong(1);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot update profile " + id + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * Statements the services ran on the profiles table so far: all of them, and the
	 * reads of one profile by id (cache misses; a write's read is {@code for update}).
	 */
	StatementCounts statements() {
		try (Connection connection = connect();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(
						"""
								select coalesce(sum(calls), 0),
								       coalesce(sum(calls) filter (where query ~* '^select .* from user_profiles \\S+ where \\S+\\.id\\s*=\\s*\\$1$'), 0)
								from pg_stat_statements
								where query ilike '%user_profiles%' and query not ilike '%pg_stat_statements%'
								""")) {
			result.next();
			return new StatementCounts(result.getLong(1), result.getLong(2));
		}
		catch (SQLException ex) {
			throw new IllegalStateException("pg_stat_statements cannot be read (shared_preload_libraries must "
					+ "include it; the test infrastructure sets that): " + ex.getMessage(), ex);
		}
	}

	record StatementCounts(long all, long readsById) {

		StatementCounts minus(StatementCounts before) {
			return new StatementCounts(this.all - before.all, this.readsById - before.readsById);
		}

	}

	/** The body of a write: the profile with a new display name. */
	static byte[] replacement(long id, long version) {
		UserProfile sample = SerializerBenchmarks.sampleProfile(id);
		return ("{\"username\":\"" + sample.username() + "\",\"email\":\"" + sample.email()
				+ "\",\"displayName\":\"User " + id + " v" + version + "\",\"bio\":\"" + sample.bio()
				+ "\",\"avatarUrl\":\"" + sample.avatarUrl() + "\",\"locale\":\"" + sample.locale() + "\"}")
			.getBytes(StandardCharsets.UTF_8);
	}

	private void execute(String sql) {
		try (Connection connection = connect(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql + ": " + ex.getMessage(), ex);
		}
	}

	private Connection connect() throws SQLException {
		return DriverManager.getConnection(this.url, this.username, this.password);
	}

}
