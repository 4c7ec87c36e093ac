package dev.userprofiles.changes;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Change data capture into the cache, with the Redis cache only: the {@code none} and
 * {@code simple} baselines have nothing shared to invalidate.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "profiles.cdc.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "spring.cache.type", havingValue = "redis")
class ChangeCaptureConfiguration {

	@Bean
	ChangeCapture changeCapture(JdbcConnectionDetails database, ChangeCaptureProperties settings,
			CacheManager cacheManager, MeterRegistry meters) {
		String username = (settings.username() != null) ? settings.username() : database.getUsername();
		String password = (settings.password() != null) ? settings.password() : database.getPassword();
		return new ChangeCapture(database.getJdbcUrl(), username, password, settings, cacheManager, meters);
	}

}
