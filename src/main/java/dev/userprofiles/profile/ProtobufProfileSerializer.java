package dev.userprofiles.profile;

import java.time.Instant;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.userprofiles.profile.proto.CachedUserProfile;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.data.redis.serializer.SerializationException;

/**
 * Encodes profiles as {@link CachedUserProfile} protobuf messages: compact, fast, and
 * unable to instantiate anything but that one message.
 */
class ProtobufProfileSerializer implements RedisSerializer<UserProfile> {

	@Override
	public byte[] serialize(@Nullable UserProfile profile) {
		if (profile == null) {
			throw new SerializationException("Cannot cache a null profile");
		}
		CachedUserProfile.Builder message = CachedUserProfile.newBuilder()
			.setId(profile.id())
			.setUsername(profile.username())
			.setEmail(profile.email())
			.setDisplayName(profile.displayName())
			.setCreatedAtMicros(toMicros(profile.createdAt()))
			.setUpdatedAtMicros(toMicros(profile.updatedAt()))
			.setVersion(profile.version());
		if (profile.bio() != null) {
			message.setBio(profile.bio());
		}
		if (profile.avatarUrl() != null) {
			message.setAvatarUrl(profile.avatarUrl());
		}
		if (profile.locale() != null) {
			message.setLocale(profile.locale());
		}
		return message.build().toByteArray();
	}

	@Override
	public @Nullable UserProfile deserialize(byte @Nullable [] bytes) {
		if (bytes == null) {
			return null;
		}
		CachedUserProfile message;
		try {
			message = CachedUserProfile.parseFrom(bytes);
		}
		catch (InvalidProtocolBufferException ex) {
			throw new SerializationException("Undecodable cached profile", ex);
		}
		return new UserProfile(message.getId(), message.getUsername(), message.getEmail(), message.getDisplayName(),
				message.hasBio() ? message.getBio() : null, message.hasAvatarUrl() ? message.getAvatarUrl() : null,
				message.hasLocale() ? message.getLocale() : null, fromMicros(message.getCreatedAtMicros()),
				fromMicros(message.getUpdatedAtMicros()), message.getVersion());
	}

	/**
	 * Microseconds since the epoch, as Postgres keeps them. Not
	 * {@code ChronoUnit.MICROS.between}: it counts in nanoseconds and overflows before
	 * 1678 and after 2262 (found by the codec properties of issue 16).
	 */
	private static long toMicros(Instant instant) {
		long seconds = instant.getEpochSecond();
		long micros = instant.getNano() / 1_000;
		// As Instant.toEpochMilli: one second up first, so every value fromMicros gives
		// back (down to Long.MIN_VALUE) is encoded without overflowing on the way.
		if (seconds < 0 && micros > 0) {
			return Math.addExact(Math.multiplyExact(seconds + 1, 1_000_000L), micros - 1_000_000L);
		}
		return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), micros);
	}

	private static Instant fromMicros(long micros) {
		return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
	}

}
