package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import dev.userprofiles.infra.RedisKeys;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.profile.ProfileCache;
import dev.userprofiles.profile.UserProfile;
import dev.userprofiles.profile.proto.CachedUserProfile;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.serializer.RedisSerializer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each cache takes its own TTL and value format from configuration: here {@code users}
 * switched to JSON with 2 minutes, and a second cache in protobuf with 45 seconds, which
 * a module of its own declares with its {@link CacheValueCodec}.
 */
@ServiceTest(properties = { "profiles.cache.caches.users.format=json", "profiles.cache.caches.users.ttl=2m",
		"profiles.cache.caches.archive.format=protobuf", "profiles.cache.caches.archive.ttl=45s" })
class PerCacheSettingsTests {

	static final UserProfile PROFILE = new UserProfile(42, "ada", "ada@example.com", "Ada Lovelace", "Analyst",
			"https://example.com/ada.png", "en-GB", Instant.parse("2026-01-02T03:04:05.123456Z"),
			Instant.parse("2026-02-03T04:05:06.654321Z"), 3);

	@Autowired
	CacheManager cacheManager;

	@Autowired
	RedisConnectionFactory connectionFactory;

	@Test
	void jsonCacheStoresTypedJsonWithItsOwnTtl() {
		RedisKeys redis = new RedisKeys(this.connectionFactory);
		Cache users = this.cacheManager.getCache(ProfileCache.NAME);
		long id = System.nanoTime();

		users.get(id, () -> PROFILE);

		String key = RedisKeys.cacheKey(ProfileCache.NAME, id);
		JsonNode stored = JsonMapper.builder().build().readTree(new String(redis.get(key), StandardCharsets.UTF_8));
		assertThat(stored.propertyNames()).containsExactly("id", "username", "email", "displayName", "bio", "avatarUrl",
				"locale", "createdAt", "updatedAt", "version");
		assertThat(redis.ttl(key)).isBetween(Duration.ofMinutes(2).minusSeconds(5), Duration.ofSeconds(132));
		assertThat(users.get(id, UserProfile.class)).isEqualTo(PROFILE);
		users.evict(id);
		assertThat(redis.exists(key)).isFalse();
	}

	@Test
	void secondCacheStoresProtobufWithItsOwnTtl() throws Exception {
		RedisKeys redis = new RedisKeys(this.connectionFactory);
		Cache archive = this.cacheManager.getCache("archive");
		long id = System.nanoTime();

		archive.get(id, () -> PROFILE);

		String key = RedisKeys.cacheKey("archive", id);
		assertThat(CachedUserProfile.parseFrom(redis.get(key)).getUsername()).isEqualTo("ada");
		assertThat(redis.ttl(key)).isBetween(Duration.ofSeconds(40), Duration.ofMillis(49_500));
		assertThat(archive.get(id, UserProfile.class)).isEqualTo(PROFILE);
	}

	@Test
	void clearRemovesOnlyThatCachesEntriesWithoutKeys() {
		RedisKeys redis = new RedisKeys(this.connectionFactory);
		Cache archive = this.cacheManager.getCache("archive");
		Cache users = this.cacheManager.getCache(ProfileCache.NAME);
		for (long id = 1; id <= 50; id++) {
			long key = id;
			archive.get(key, () -> PROFILE);
		}
		// Other test contexts cache small ids in protobuf: this one is the JSON context's
		// own.
		long usersId = System.nanoTime();
		users.get(usersId, () -> PROFILE);
		long keysCalls = redis.commandCalls("keys");
		long scanCalls = redis.commandCalls("scan");

		archive.clear();

		assertThat(redis.commandCalls("keys")).as("KEYS calls in the cluster").isEqualTo(keysCalls);
		assertThat(redis.commandCalls("scan")).as("SCAN calls in the cluster").isGreaterThan(scanCalls);

		for (long id = 1; id <= 50; id++) {
			assertThat(redis.exists(RedisKeys.cacheKey("archive", id))).isFalse();
		}
		assertThat(redis.exists(RedisKeys.cacheKey(ProfileCache.NAME, usersId))).isTrue();
	}

	@Test
	void unknownCacheNamesAreRefused() {
		assertThat(this.cacheManager.getCache("typo")).isNull();
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class ArchiveModule {

		@Bean
		CacheValueCodec<UserProfile> archiveCodec() {
			ProfileCache profiles = new ProfileCache();
			return new CacheValueCodec<>() {

				@Override
				public String cacheName() {
					return "archive";
				}

				@Override
				public RedisSerializer<UserProfile> serializer(ValueFormat format) {
					return profiles.serializer(format);
				}

				@Override
				public long version(UserProfile profile) {
					return profiles.version(profile);
				}

			};
		}

	}

}
