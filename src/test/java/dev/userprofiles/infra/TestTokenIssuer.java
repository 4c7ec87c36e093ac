package dev.userprofiles.infra;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes every service started in a test JVM (test contexts, {@link ServiceInstance}, the
 * local run) trust the {@link TestTokens} issuer through Boot's own
 * {@code public-key-location} property. An environment post-processor because the
 * resource server's auto-configuration checks the property before any bean exists; added
 * last, so any explicit setting wins.
 */
class TestTokenIssuer implements EnvironmentPostProcessor {

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		environment.getPropertySources()
			.addLast(new MapPropertySource("testTokenIssuer",
					Map.of(TestTokens.PUBLIC_KEY_PROPERTY, TestTokens.get().publicKeyLocation())));
	}

}
