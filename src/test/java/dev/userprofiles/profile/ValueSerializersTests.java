package dev.userprofiles.profile;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.userprofiles.cache.ValueFormat;
import dev.userprofiles.infra.WithoutInfrastructure;
import dev.userprofiles.profile.proto.CachedUserProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.data.redis.serializer.SerializationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Both value formats round-trip a profile exactly and refuse what no write produced.
 */
@WithoutInfrastructure
class ValueSerializersTests {

	private static final ProfileCache CODEC = new ProfileCache();

	static final UserProfile FULL = new UserProfile(42, "ada", "ada@example.com", "Ada Lovelace", "Analyst",
			"https://example.com/ada.png", "en-GB", Instant.parse("2026-01-02T03:04:05.123456Z"),
			Instant.parse("2026-02-03T04:05:06.654321Z"), 3);

	static final UserProfile MINIMAL = new UserProfile(7, "bob", "bob@example.com", "Bob", null, null, null,
			Instant.parse("2026-01-02T03:04:05Z"), Instant.parse("2026-01-02T03:04:05Z"), 1);

	@ParameterizedTest
	@EnumSource(ValueFormat.class)
	void roundTripsFullAndMinimalProfiles(ValueFormat format) {
		RedisSerializer<UserProfile> serializer = CODEC.serializer(format);

		assertThat(serializer.deserialize(serializer.serialize(FULL))).isEqualTo(FULL);
		assertThat(serializer.deserialize(serializer.serialize(MINIMAL))).isEqualTo(MINIMAL);
	}

	@ParameterizedTest
	@EnumSource(ValueFormat.class)
	void refusesGarbage(ValueFormat format) {
		RedisSerializer<UserProfile> serializer = CODEC.serializer(format);

		assertThatExceptionOfType(SerializationException.class)
			.isThrownBy(() -> serializer.deserialize(new byte[] { (byte) 0xff, 0x00, 0x13, 0x37 }));
		assertThatExceptionOfType(SerializationException.class)
			.isThrownBy(() -> serializer.deserialize("{}".getBytes(StandardCharsets.UTF_8)));
	}

	@Test
	void protobufIsTheGeneratedMessage() throws Exception {
		byte[] bytes = CODEC.serializer(ValueFormat.PROTOBUF).serialize(FULL);

		CachedUserProfile message = CachedUserProfile.parseFrom(bytes);
		assertThat(message.getId()).isEqualTo(42);
		assertThat(message.getCreatedAtMicros()).isEqualTo(1767323045123456L);
		assertThat(message.hasBio()).isTrue();
		assertThat(CachedUserProfile.parseFrom(CODEC.serializer(ValueFormat.PROTOBUF).serialize(MINIMAL)).hasBio())
			.isFalse();
	}

	@Test
	void protobufRefusesAMessageOfDefaults() {
		byte[] onlyUsername = CachedUserProfile.newBuilder().setUsername("x").build().toByteArray();

		assertThatExceptionOfType(SerializationException.class)
			.isThrownBy(() -> CODEC.serializer(ValueFormat.PROTOBUF).deserialize(onlyUsername));
	}

	@Test
	void jsonHasNoTypeHintsAndIsoTimestamps() {
		String json = new String(CODEC.serializer(ValueFormat.JSON).serialize(FULL), StandardCharsets.UTF_8);

		assertThat(json).doesNotContain("@class", "@type", "dev.userprofiles")
			.contains("\"createdAt\":\"2026-01-02T03:04:05.123456Z\"")
			.startsWith("{\"id\":42,");
	}

	@Test
	void jsonIgnoresTypeHintsItWasNeverAskedFor() {
		// A polymorphic payload planted in Redis cannot build another class.
		String planted = "[\"java.net.URL\", \"http://127.0.0.1/\"]";

		assertThatExceptionOfType(SerializationException.class)
			.isThrownBy(() -> CODEC.serializer(ValueFormat.JSON).deserialize(planted.getBytes(StandardCharsets.UTF_8)));
	}

	@Test
	void protobufIsSmallerThanJson() {
		int protobuf = CODEC.serializer(ValueFormat.PROTOBUF).serialize(FULL).length;
		int json = CODEC.serializer(ValueFormat.JSON).serialize(FULL).length;

		assertThat(protobuf).isLessThan(json);
	}

}
