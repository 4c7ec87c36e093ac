package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.userprofiles.cache.proto.CachedUserProfile;
import dev.userprofiles.infra.RedisKeys;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.profile.UserProfile;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each cache takes its own TTL and value format from configuration: here {@code users}
 * switched to JSON with 2 minutes, and a second cache in protobuf with 45 seconds.
 */
@ServiceTest(properties = { "profiles.cache.caches.users.format=json", "profiles.cache.caches.users.ttl=2m",
		"profiles.cache.caches.archive.format=protobuf", "profiles.cache.caches.archive.ttl=45s" })
class PerCacheSettingsTests {

	static final UserProfile PROFILE = ValueSerializersTests.FULL;

	@Autowired
	CacheManager cacheManager;

	@Autowired
	RedisConnectionFactory connectionFactory;

	@Test
	void jsonCacheStoresTypedJsonWithItsOwnTtl() {
		RedisKeys redis = new RedisKeys(this.connectionFactory);
		Cache users = this.cacheManager.getCache(CacheNames.USERS);
		long id = System.nanoTime();

		users.get(id, () -> PROFILE);

		String key = RedisKeys.cacheKey(CacheNames.USERS, id);
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
		Cache users = this.cacheManager.getCache(CacheNames.USERS);
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
		assertThat(redis.exists(RedisKeys.cacheKey(CacheNames.USERS, usersId))).isTrue();
	}

	@Test
	void unknownCacheNamesAreRefused() {
		assertThat(this.cacheManager.getCache("typo")).isNull();
	}

}
