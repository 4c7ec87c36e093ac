package dev.userprofiles.cache;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import dev.userprofiles.infra.WithoutInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@WithoutInfrastructure
class JitteredTtlTests {

	@Test
	void staysWithinBaseAndBasePlusJitter() {
		JitteredTtl ttl = new JitteredTtl(Duration.ofMinutes(5), 0.1);
		Set<Duration> seen = new HashSet<>();
		for (int i = 0; i < 1000; i++) {
			Duration value = ttl.getTimeToLive("key", "value");
			assertThat(value).isBetween(Duration.ofMinutes(5), Duration.ofSeconds(330));
			seen.add(value);
		}
		assertThat(seen).as("distinct TTLs in 1000 draws").hasSizeGreaterThan(900);
	}

	@Test
	void zeroJitterIsTheBaseTtl() {
		JitteredTtl ttl = new JitteredTtl(Duration.ofSeconds(90), 0);

		assertThat(ttl.getTimeToLive("key", null)).isEqualTo(Duration.ofSeconds(90));
	}

}
