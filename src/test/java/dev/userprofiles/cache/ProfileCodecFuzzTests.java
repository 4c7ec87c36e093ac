package dev.userprofiles.cache;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the cache codecs: whatever bytes a cache entry holds decode
 * to a well-formed profile or fail as the typed "unreadable". {@code ./mvnw verify} runs
 * the committed inputs (the {@code ProfileCodecFuzzTestsInputs} resources); to fuzz for
 * longer, see docs/tests.md.
 */
class ProfileCodecFuzzTests {

	@FuzzTest(maxDuration = "2m")
	void protobufDecodesOrIsUnreadable(byte[] bytes) {
		ProfileCodecProperties.assertDecodesOrIsUnreadable(CacheConfiguration.valueSerializer(ValueFormat.PROTOBUF),
				bytes);
	}

	@FuzzTest(maxDuration = "2m")
	void jsonDecodesOrIsUnreadable(byte[] bytes) {
		ProfileCodecProperties.assertDecodesOrIsUnreadable(CacheConfiguration.valueSerializer(ValueFormat.JSON), bytes);
	}

}
