package dev.userprofiles.profile;

import java.time.Instant;

import dev.userprofiles.infra.WithoutInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@WithoutInfrastructure
class ProfileETagsTests {

	static final UserProfile PROFILE = new UserProfile(42, "ada", "ada@example.com", "Ada", null, null, null,
			Instant.EPOCH, Instant.EPOCH, 3);

	@Test
	void tagIsStrongAndDerivedFromIdAndVersion() {
		assertThat(ProfileETags.of(PROFILE)).isEqualTo("\"42-3\"");
	}

	@Test
	void ifMatchUsesStrongComparison() {
		assertThat(ProfileETags.ifMatchAllows(null, PROFILE)).isTrue();
		assertThat(ProfileETags.ifMatchAllows("*", PROFILE)).isTrue();
		assertThat(ProfileETags.ifMatchAllows("\"42-3\"", PROFILE)).isTrue();
		assertThat(ProfileETags.ifMatchAllows("\"42-2\", \"42-3\"", PROFILE)).isTrue();
		assertThat(ProfileETags.ifMatchAllows("\"42-2\"", PROFILE)).isFalse();
		assertThat(ProfileETags.ifMatchAllows("W/\"42-3\"", PROFILE)).isFalse();
		assertThat(ProfileETags.ifMatchAllows("\"43-3\"", PROFILE)).isFalse();
		assertThat(ProfileETags.ifMatchAllows("garbage", PROFILE)).isFalse();
	}

}
