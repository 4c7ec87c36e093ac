package dev.userprofiles.demo;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Inserts profiles 1..10000 into an empty database, deterministically, so that a
 * development stack ({@code spring-boot:test-run}, docker-compose) answers
 * {@code GET /users/1} at once. Only with the Spring profile {@code demo}, which no
 * production configuration enables.
 */
@Profile(DemoProfiles.PROFILE)
@Configuration(proxyBeanMethods = false)
public class DemoProfiles {

	/** The Spring profile that enables seeding. */
	public static final String PROFILE = "demo";

	static final int COUNT = 10_000;

	private static final Log logger = LogFactory.getLog(DemoProfiles.class);

	@Bean
	ApplicationRunner seedDemoProfiles(JdbcTemplate jdbc) {
		return (ApplicationArguments arguments) -> {
			Long existing = jdbc.queryForObject("select count(*) from user_profiles", Long.class);
			if (existing != null && existing > 0) {
				logger.info("Database already holds " + existing + " profiles; not seeding");
				return;
			}
			Timestamp created = Timestamp.from(Instant.parse("2026-01-01T00:00:00Z").truncatedTo(ChronoUnit.MICROS));
			List<Object[]> rows = new ArrayList<>(COUNT);
			for (int id = 1; id <= COUNT; id++) {
				rows.add(new Object[] { id, "user" + id, "user" + id + "@example.com", "Demo User " + id,
						"Demo profile number " + id, "https://avatars.example.com/" + id + ".png",
						(id % 2 == 0) ? "en-GB" : "fr-FR", created, created });
			}
			jdbc.batchUpdate("insert into user_profiles (id, username, email, display_name, bio, avatar_url, "
					+ "locale, created_at, updated_at, version) overriding system value "
					+ "values (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)", rows);
			// Identity values continue after the seeded ids.
			jdbc.execute("select setval(pg_get_serial_sequence('user_profiles', 'id'), " + COUNT + ")");
			logger.info("Seeded " + COUNT + " demo profiles (ids 1.." + COUNT + ")");
		};
	}

}
