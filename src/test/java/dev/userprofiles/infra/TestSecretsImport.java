package dev.userprofiles.infra;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes every service started in a test JVM read its Redis and Postgres passwords from
 * files ({@link TestCredentials}), through {@code spring.config.import=configtree:} as a
 * deployment would, and name its accounts in properties, which the test connection
 * details ({@link InfrastructureConfiguration}) read back.
 * <p>
 * Runs before Boot's config data processing, which is what reads
 * {@code spring.config.import}.
 */
class TestSecretsImport implements EnvironmentPostProcessor, Ordered {

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		String configImport = TestCredentials.get().configImport();
		Map<String, Object> properties = Map.of("spring.config.import",
				configImport.substring(configImport.indexOf('=') + 1), "spring.data.redis.username",
				TestCredentials.REDIS_USER, "spring.datasource.username", TestCredentials.DATABASE_USER,
				"spring.flyway.user", TestCredentials.MIGRATION_USER, "profiles.cdc.username",
				TestCredentials.CHANGE_CAPTURE_USER);
		environment.getPropertySources().addLast(new MapPropertySource("testSecretsImport", properties));
	}

	@Override
	public int getOrder() {
		return ConfigDataEnvironmentPostProcessor.ORDER - 1;
	}

}
