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

import dev.userprofiles.cache.SerializerBenchmarks;
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

	/** Makes ids {@code 1..profiles} exist, inserting those missing in one statement. */
	void ensure(int profiles) {
		if (profiles <= this.loaded) {
			return;
		}
		UserProfile sample = SerializerBenchmarks.sampleProfile(0);
		try (Connection connection = connect(); PreparedStatement insert = connection.prepareStatement("""
				insert into user_profiles
				    (id, username, email, display_name, bio, avatar_url, locale, created_at, updated_at, version)
				select g, 'user' || g, 'user' || g || '@example.com', 'User ' || g, ?,
				       'https://avatars.example.com/' || g || '.png', ?, ?, ?, 1
				from generate_series(?, ?) g
				""")) {
			insert.setString(1, sample.bio());
			insert.setString(2, sample.locale());
			insert.setTimestamp(3, Timestamp.from(sample.createdAt()));
			insert.setTimestamp(4, Timestamp.from(sample.updatedAt()));
			insert.setLong(5, this.loaded + 1);
			insert.setLong(6, profiles);
			insert.executeUpdate();
			try (Statement statement = connection.createStatement()) {
				statement.execute("select setval(pg_get_serial_sequence('user_profiles', 'id'), " + profiles + ")");
				statement.execute("analyze user_profiles");
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot load " + profiles + " profiles: " + ex.getMessage(), ex);
		}
		this.loaded = profiles;
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
