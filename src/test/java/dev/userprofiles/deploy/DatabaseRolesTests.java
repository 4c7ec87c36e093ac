package dev.userprofiles.deploy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import javax.sql.DataSource;

import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestCredentials;
import dev.userprofiles.infra.TestInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The service works on rows as {@value TestCredentials#DATABASE_USER}, a role that can
 * change no schema object; Flyway migrated as the schema's owner
 * {@value TestCredentials#MIGRATION_USER} (roles of
 * {@code k8s/overlays/dev/postgres-roles.sh}, grants of the V2 migration).
 */
@ServiceTest
class DatabaseRolesTests {

	/**
	 * Postgres' insufficient_privilege, and "must be owner" for DDL on another's table.
	 */
	private static final List<String> REFUSED = List.of("42501");

	@Autowired
	private TestInfrastructure infrastructure;

	@Test
	void theServiceRunsAsTheRuntimeRoleAndFlywayMigratedAsTheOwner(@Autowired DataSource dataSource) {
		JdbcClient jdbc = JdbcClient.create(dataSource);
		assertThat(jdbc.sql("select current_user").query(String.class).single())
			.isEqualTo(TestCredentials.DATABASE_USER);
		assertThat(jdbc.sql("select tableowner from pg_tables where tablename = 'user_profiles'")
			.query(String.class)
			.single()).isEqualTo(TestCredentials.MIGRATION_USER);
	}

	@Test
	void theRuntimeRoleCanChangeRowsButNoSchemaObject() throws SQLException {
		try (Connection connection = DriverManager.getConnection(this.infrastructure.jdbcUrl(),
				this.infrastructure.username(), this.infrastructure.password())) {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.executeQuery("select count(*) from user_profiles").close();
				statement.executeUpdate("update user_profiles set bio = bio where id = -1");
				statement.executeUpdate("delete from user_profiles where id = -1");
			}
			connection.rollback();
			for (String ddl : List.of("create table intruder (id int)", "drop table user_profiles",
					"truncate user_profiles", "alter table user_profiles add column intruder int",
					"create index intruder on user_profiles (bio)", "drop index user_profiles_email_key",
					"alter table user_profiles disable trigger all",
					"create function intruder() returns int " + "language sql as 'select 1'",
					"delete from flyway_schema_history", "create role intruder",
					"create extension if not exists pg_trgm")) {
				assertThatExceptionOfType(SQLException.class).as(ddl).isThrownBy(() -> {
					try (Statement statement = connection.createStatement()) {
						statement.execute(ddl);
					}
				}).satisfies((ex) -> assertThat(ex.getSQLState()).as(ddl + ": " + ex.getMessage()).isIn(REFUSED));
				connection.rollback();
			}
		}
		JdbcClient owner = JdbcClient.create(new DriverManagerDataSource(this.infrastructure.jdbcUrl(),
				this.infrastructure.superuser(), this.infrastructure.superuserPassword()));
		assertThat(owner.sql("select count(*) from pg_class where relname = 'intruder'").query(Long.class).single())
			.isZero();
		assertThat(owner.sql("select count(*) from flyway_schema_history where installed_by <> :owner")
			.param("owner", TestCredentials.MIGRATION_USER)
			.query(Long.class)
			.single()).as("migrations not run by the owner").isZero();
	}

	@Test
	void aWrongPasswordIsRefused() {
		assertThatExceptionOfType(SQLException.class)
			.isThrownBy(() -> DriverManager
				.getConnection(this.infrastructure.jdbcUrl(), this.infrastructure.username(), "not-the-password")
				.close())
			.satisfies((ex) -> assertThat(ex.getSQLState()).isEqualTo("28P01"));
	}

}
