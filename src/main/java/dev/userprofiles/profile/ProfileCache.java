package dev.userprofiles.profile;

import dev.userprofiles.cache.CacheValueCodec;
import dev.userprofiles.cache.ValueFormat;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.redis.serializer.JacksonJsonRedisSerializer;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.stereotype.Component;

/**
 * The {@code users} cache of profiles by id, as the cache layer needs to know it: its
 * name, its value formats and the version of a profile.
 */
@Component
public final class ProfileCache implements CacheValueCodec<UserProfile> {

	/** Profiles by id: {@code <key-prefix>users::<id>}. */
	public static final String NAME = "users";

	@Override
	public String cacheName() {
		return NAME;
	}

	@Override
	public RedisSerializer<UserProfile> serializer(ValueFormat format) {
		return new CheckedProfileSerializer(switch (format) {
			case PROTOBUF -> new ProtobufProfileSerializer();
			case JSON -> new JacksonJsonRedisSerializer<>(JsonMapper.builder()
				.enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES,
						DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
				.build(), UserProfile.class);
		});
	}

	@Override
	public long version(UserProfile profile) {
		return profile.version();
	}

}
