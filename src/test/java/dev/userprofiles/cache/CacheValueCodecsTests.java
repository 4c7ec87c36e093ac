package dev.userprofiles.cache;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.userprofiles.infra.WithoutInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.serializer.RedisSerializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Each configured cache gets the codec its module declares, and a mismatch either way
 * fails at startup instead of failing every call to that cache.
 */
@WithoutInfrastructure
class CacheValueCodecsTests {

	@Test
	void matchesEachConfiguredCacheWithItsCodec() {
		CacheValueCodec<String> users = codec("users");
		CacheValueCodec<String> archive = codec("archive");

		Map<String, CacheValueCodec<Object>> byCache = CacheConfiguration.codecsByCache(Set.of("users", "archive"),
				List.of(users, archive));

		assertThat(byCache).containsOnlyKeys("users", "archive");
		assertThat(byCache.get("users")).isSameAs(users);
		assertThat(byCache.get("archive")).isSameAs(archive);
	}

	@Test
	void refusesACodecWhoseCacheIsNotConfigured() {
		assertThatIllegalStateException().isThrownBy(
				() -> CacheConfiguration.codecsByCache(Set.of("archive"), List.of(codec("users"), codec("archive"))))
			.withMessage("profiles.cache.caches.users must be configured");
	}

	@Test
	void refusesAConfiguredCacheThatNoModuleDeclares() {
		assertThatIllegalStateException()
			.isThrownBy(() -> CacheConfiguration.codecsByCache(Set.of("users", "typo"), List.of(codec("users"))))
			.withMessageStartingWith("profiles.cache.caches.typo names no cache of this service");
	}

	@Test
	void refusesTwoCodecsForOneCache() {
		assertThatIllegalStateException()
			.isThrownBy(
					() -> CacheConfiguration.codecsByCache(Set.of("users"), List.of(codec("users"), codec("users"))))
			.withMessage("Two codecs for cache 'users'");
	}

	private static CacheValueCodec<String> codec(String cacheName) {
		return new CacheValueCodec<>() {

			@Override
			public String cacheName() {
				return cacheName;
			}

			@Override
			public RedisSerializer<String> serializer(ValueFormat format) {
				return RedisSerializer.string();
			}

			@Override
			public long version(String value) {
				return value.length();
			}

		};
	}

}
