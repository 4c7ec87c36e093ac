package dev.userprofiles.cache;

import java.time.Duration;

import dev.userprofiles.infra.WithoutInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@WithoutInfrastructure
class ProfileCachePropertiesTests {

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

}
