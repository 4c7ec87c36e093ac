package dev.userprofiles.bench.service;

import java.time.OffsetDateTime;

import dev.userprofiles.profile.UserProfile;

import org.springframework.boot.ApplicationRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;

/**
 * The benchmark's "floor" service: its {@code users} cache is an in-process map
 * ({@code spring.cache.type=simple}) that this fills with every profile before the
 * service reports ready, so that no request reaches Postgres. Reading them through the
 * API took 95 to 137 s of a benchmark that must stay under 15 minutes; the benchmark
 * checks a sample of the answers against the database.
 * <p>
 * Not a component: the benchmark puts this package alone on the service's classpath and
 * names the class in {@code spring.main.sources}.
 */
public class PreloadedMap {

	@Bean
	static ApplicationRunner preloadUsers(CacheManager cacheManager, JdbcTemplate jdbc) {
		return (args) -> {
			Cache users = cacheManager.getCache("users");
			// What UserProfileService.findProfile caches: the profile under its id.
			jdbc.query(
					"select id, username, email, display_name, bio, avatar_url, locale, created_at, updated_at, "
							+ "version from user_profiles",
					(RowCallbackHandler) (row) -> users.put(row.getLong("id"), new UserProfile(row.getLong("id"),
							row.getString("username"), row.getString("email"), row.getString("display_name"),
							row.getString("bio"), row.getString("avatar_url"), row.getString("locale"),
							row.getObject("created_at", OffsetDateTime.class).toInstant(),
							row.getObject("updated_at", OffsetDateTime.class).toInstant(), row.getLong("version"))));
		};
	}

}
