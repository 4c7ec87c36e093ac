package dev.userprofiles.cache;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ProfileCachePropertiesTests {

	@Test
	void refusesSettingsWithoutTheUsersCache() {
		Map<String, ProfileCacheProperties.CacheSpec> caches = Map.of("other",
				new ProfileCacheProperties.CacheSpec(Duration.ofMinutes(1), ValueFormat.JSON, DataSize.ofMegabytes(1)));

		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ProfileCacheProperties("profiles:", 0.1, Duration.ofSeconds(10),
					Duration.ofSeconds(1), lease(), breaker(), near(),
					new ProfileCacheProperties.DurableInvalidation(true, 1, Duration.ofMillis(500)),
					new ProfileCacheProperties.ReplicaReads(false, 100_000), caches))
			.withMessageContaining("profiles.cache.caches.users");
	}

	@Test
	void refusesALeaseWaitThatEndsBeforeAStuckHoldersLeaseLapses() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ProfileCacheProperties.Lease(Duration.ofSeconds(2), Duration.ofSeconds(3),
					Duration.ofSeconds(5)))
			.withMessageContaining("max-wait");
	}

	@Test
	void refusesTtlsThatWouldNeverExpireOrFailEveryWrite() {
		assertThatIllegalArgumentException().isThrownBy(() -> new ProfileCacheProperties.CacheSpec(Duration.ZERO,
				ValueFormat.PROTOBUF, DataSize.ofMegabytes(1)));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ProfileCacheProperties.CacheSpec(Duration.ofSeconds(-1), ValueFormat.PROTOBUF,
					DataSize.ofMegabytes(1)));
	}

	@Test
	void refusesAnAckTimeoutWithinTheMembershipTtl() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ProfileCacheProperties.Near(true, Duration.ofMillis(1500), Duration.ofMillis(250),
					Duration.ofMillis(250), Duration.ofMillis(1500), true, Duration.ofSeconds(60), true))
			.withMessageContaining("ack-timeout");
	}

	@Test
	void refusesAMembershipTtlThatRenewalsCannotKeepFresh() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ProfileCacheProperties.Near(true, Duration.ofMillis(400), Duration.ofMillis(250),
					Duration.ofMillis(250), Duration.ofSeconds(3), true, Duration.ofSeconds(60), true))
			.withMessageContaining("membership-ttl");
	}

	private static ProfileCacheProperties.Near near() {
		return new ProfileCacheProperties.Near(true, Duration.ofMillis(1500), Duration.ofMillis(250),
				Duration.ofMillis(250), Duration.ofSeconds(3), true, Duration.ofSeconds(60), true);
	}

	private static ProfileCacheProperties.Lease lease() {
		return new ProfileCacheProperties.Lease(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(6));
	}

	private static ProfileCacheProperties.Breaker breaker() {
		return new ProfileCacheProperties.Breaker(20, 50, Duration.ofSeconds(2));
	}

}
