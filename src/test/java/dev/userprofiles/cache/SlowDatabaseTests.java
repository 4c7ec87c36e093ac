package dev.userprofiles.cache;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestInfrastructure;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every database call is bounded by a statement timeout, and a lease outlasts the longest
 * load: a slow query costs a 503, not a held connection, and is not joined by a second
 * load.
 */
class SlowDatabaseTests {

	private static final Log logger = LogFactory.getLog(SlowDatabaseTests.class);

	private static final ApiClient http = new ApiClient();

	private static ServiceInstance instance;

	@BeforeAll
	static void startInstance() {
		instance = CacheConfigurations.leased();
	}

	@AfterAll
	static void stopInstance() {
		instance.close();
	}

	@Test
	void leasesAreExtendedForAsLongAsALoadCanTake() throws SQLException {
		Duration statementTimeout = statementTimeout();
		// The DataSource bean is datasource-micrometer's proxy around Hikari's.
		Duration connectionTimeout = Duration
			.ofMillis(instance.bean(DataSource.class).unwrap(HikariDataSource.class).getConnectionTimeout());
		ProfileCacheProperties.Lease lease = instance.bean(ProfileCacheProperties.class).lease();

		assertThat(statementTimeout).as("statement_timeout on the service's connections").isPositive();
		assertThat(lease.maxLoad()).as("lease max-load against connection wait plus statement timeout")
			.isGreaterThanOrEqualTo(connectionTimeout.plus(statementTimeout));
	}

	@Test
	void aLoadStuckOnALockAnswers503AtTheStatementTimeout() throws Exception {
		long id = http.post(instance.url("/users"), ApiClient.profileJson("locked" + System.nanoTime(), "Locked")).id();
		TestInfrastructure infrastructure = TestInfrastructure.get();
		ApiClient.Response stuck;
		try (Connection locker = DriverManager.getConnection(infrastructure.jdbcUrl(), infrastructure.username(),
				infrastructure.password())) {
			locker.setAutoCommit(false);
			try (Statement statement = locker.createStatement()) {
				statement.execute("LOCK TABLE user_profiles IN ACCESS EXCLUSIVE MODE");
			}
			stuck = http.get(instance.url("/users/" + id));
			locker.rollback();
		}

		logger.info("MEASURED a load stuck on a lock answered " + stuck.status() + " after " + stuck.nanos() / 1_000_000
				+ " ms (statement timeout " + statementTimeout().toMillis() + " ms)");
		assertThat(stuck.status()).isEqualTo(503);
		assertThat(stuck.body()).contains("\"status\":503");
		assertThat(Duration.ofNanos(stuck.nanos())).as("time to the 503")
			.isLessThan(statementTimeout().plusMillis(1_500));
		assertThat(http.get(instance.url("/users/" + id)).status()).as("once the lock is gone").isEqualTo(200);
	}

	private static Duration statementTimeout() {
		String setting = instance.bean(JdbcTemplate.class).queryForObject("SHOW statement_timeout", String.class);
		// Postgres shows it as "0", "1500ms", "1s" or "1min".
		if (setting.endsWith("ms")) {
			return Duration.ofMillis(Long.parseLong(setting.substring(0, setting.length() - 2)));
		}
		if (setting.endsWith("min")) {
			return Duration.ofMinutes(Long.parseLong(setting.substring(0, setting.length() - 3)));
		}
		if (setting.endsWith("s")) {
			return Duration.ofSeconds(Long.parseLong(setting.substring(0, setting.length() - 1)));
		}
		return Duration.ofMillis(Long.parseLong(setting));
	}

}
