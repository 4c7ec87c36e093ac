package dev.userprofiles.profile;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.userprofiles.cache.ValueFormat;

/**
 * Coverage-guided fuzzing of the cache codecs: whatever bytes a cache entry holds decode
 * to a well-formed profile or fail as the typed "unreadable". {@code ./mvnw verify} runs
 * the committed inputs (the {@code ProfileCodecFuzzTestsInputs} resources); to fuzz for
 * longer, see docs/tests.md.
 */
class ProfileCodecFuzzTests {

	private static final ProfileCache CODEC = new ProfileCache();

	@FuzzTest(maxDuration = "2m")
	void protobufDecodesOrIsUnreadable(byte[] bytes) {
		ProfileCodecProperties.assertDecodesOrIsUnreadable(CODEC.serializer(ValueFormat.PROTOBUF), bytes);
	}

	@FuzzTest(maxDuration = "2m")
	void jsonDecodesOrIsUnreadable(byte[] bytes) {
		ProfileCodecProperties.assertDecodesOrIsUnreadable(CODEC.serializer(ValueFormat.JSON), bytes);
	}

}
