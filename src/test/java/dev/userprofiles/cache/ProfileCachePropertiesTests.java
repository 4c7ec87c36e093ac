package dev.userprofiles.cache;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ProfileCachePropertiesTests {

	@Test
	void refusesSettingsWithoutTheUsersCache() {
		Map<String, ProfileCacheProperties.CacheSpec> caches = Map.of("other",
				new ProfileCacheProperties.CacheSpec(Duration.ofMinutes(1), ValueFormat.JSON));

		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ProfileCacheProperties("profiles:", 0.1, Duration.ofSeconds(10),
					Duration.ofSeconds(1), lease(), breaker(), caches))
			.withMessageContaining("profiles.cache.caches.users");
	}

	@Test
	void refusesALeaseWaitThatEndsBeforeADeadHoldersLeaseExpires() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ProfileCacheProperties.Lease(Duration.ofSeconds(2), Duration.ofSeconds(2)))
			.withMessageContaining("max-wait");
	}

	@Test
	void refusesTtlsThatWouldNeverExpireOrFailEveryWrite() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ProfileCacheProperties.CacheSpec(Duration.ZERO, ValueFormat.PROTOBUF));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ProfileCacheProperties.CacheSpec(Duration.ofSeconds(-1), ValueFormat.PROTOBUF));
	}

	private static ProfileCacheProperties.Lease lease() {
		return new ProfileCacheProperties.Lease(Duration.ofSeconds(2), Duration.ofSeconds(3));
	}

	private static ProfileCacheProperties.Breaker breaker() {
		return new ProfileCacheProperties.Breaker(20, 50, Duration.ofSeconds(2));
	}

}
