package dev.userprofiles.profile;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.data.redis.serializer.SerializationException;

/**
 * Makes whatever a cache entry holds decode to a well-formed profile or fail with
 * {@link SerializationException}, the one failure the cache layer's error handler treats
 * as a miss and evicts. Without it, bytes that parse yet hold no profile a write produces
 * came back as profiles with nulls (JSON), to be served, or threw a
 * {@code DateTimeException} from an out-of-range timestamp (protobuf), which the handler
 * counted as a failed read without evicting the entry, so every read of it missed (found
 * by the codec properties of issue 16).
 */
final class CheckedProfileSerializer implements RedisSerializer<UserProfile> {

	private final RedisSerializer<UserProfile> format;

	CheckedProfileSerializer(RedisSerializer<UserProfile> format) {
		this.format = format;
	}

	@Override
	public byte[] serialize(@Nullable UserProfile profile) {
		return this.format.serialize(profile);
	}

	@Override
	public @Nullable UserProfile deserialize(byte @Nullable [] bytes) {
		if (bytes == null) {
			return null;
		}
		UserProfile profile;
		try {
			profile = this.format.deserialize(bytes);
		}
		catch (SerializationException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new SerializationException("Undecodable cached profile", ex);
		}
		if (profile == null || !isWellFormed(profile)) {
			throw new SerializationException("Cached profile is not well formed");
		}
		return profile;
	}

	/**
	 * What every profile written to the cache has. Decoders check no nullness, and some
	 * garbage parses into a protobuf message of defaults (zeros, empty strings).
	 */
	@SuppressWarnings("ConstantValue")
	static boolean isWellFormed(UserProfile profile) {
		return profile.id() > 0 && profile.version() > 0 && isNotEmpty(profile.username())
				&& isNotEmpty(profile.email()) && isNotEmpty(profile.displayName()) && profile.createdAt() != null
				&& profile.updatedAt() != null;
	}

	private static boolean isNotEmpty(@Nullable String value) {
		return value != null && !value.isEmpty();
	}

}
