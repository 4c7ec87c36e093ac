package dev.userprofiles.infra;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * What every service started in a test JVM (test contexts, {@link ServiceInstance}, the
 * local run) gets unless a test says otherwise: trust in the {@link TestTokens} issuer,
 * through Boot's own {@code public-key-location} property, and a per-client rate limit
 * raised so far that the load and failure tests, which send thousands of requests with
 * one token, never meet it, and synced with Redis so rarely that the tests which count
 * Redis commands see only the cache's ({@code RequestLimitsTests} sets its own). The
 * stampede tests send 200 requests at once: the per-instance concurrency limit is raised
 * above that. The authorization tests send hundreds of bad tokens from one address: the
 * limit on failed authentications is raised too. Change data capture is off: a test JVM
 * runs many services with different key prefixes against one database, and one slot
 * followed by any of them would invalidate only its own caches; the tests that prove it
 * turn it on with a slot of their own.
 * <p>
 * An environment post-processor because the resource server's auto-configuration checks
 * the property before any bean exists; added last, so any explicit setting wins.
 */
class TestServiceDefaults implements EnvironmentPostProcessor {

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		Map<String, Object> defaults = Map.of(TestTokens.PUBLIC_KEY_PROPERTY, TestTokens.get().publicKeyLocation(),
				"profiles.rate-limit.capacity", "1000000000", "profiles.rate-limit.max-unsynced-requests", "1000000000",
				"profiles.rate-limit.max-unsynced-time", "1h", "profiles.web.max-concurrent-requests", "1000",
				"profiles.rate-limit.failed-authentications", "1000000000", "profiles.cdc.enabled", "false");
		environment.getPropertySources().addLast(new MapPropertySource("testServiceDefaults", defaults));
	}

}
