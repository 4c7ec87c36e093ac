package dev.userprofiles.cache;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.userprofiles.profile.ProfileCache;
import org.jspecify.annotations.Nullable;

import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.cache.CacheStatisticsCollector;
import org.springframework.data.redis.cache.RedisCache;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.cache.RedisCacheWriter;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;

/**
 * The textbook cache-aside configuration, for comparison: Spring Data Redis's own
 * (non-locking) cache writer behind the same annotations, same TTLs, key prefix and value
 * format. A miss reads the database and then puts what it read, whatever happened
 * meanwhile. Writes delete the entry ({@code put} evicts, as {@code @CacheEvict} would)
 * and are immediate, so the only difference is the lease and version machinery. A bean
 * source for a {@code ServiceInstance}: its cache manager replaces Boot's (and with it
 * the service's writer).
 */
class TextbookCache {

	@Bean
	RedisCacheManager cacheManager(RedisConnectionFactory connectionFactory, ProfileCacheProperties properties) {
		Map<String, RedisCacheConfiguration> caches = new LinkedHashMap<>();
		properties.caches()
			.forEach((name, spec) -> caches.put(name, RedisCacheConfiguration.defaultCacheConfig()
				.entryTtl(spec.ttl())
				.computePrefixWith((cacheName) -> properties.keyPrefix() + cacheName + "::")
				.serializeValuesWith(SerializationPair.fromSerializer(new ProfileCache().serializer(spec.format())))));
		RedisCacheWriter writer = RedisCacheWriter
			.create(connectionFactory, (configurer) -> configurer.immediateWrites())
			.withStatisticsCollector(CacheStatisticsCollector.create());
		return new RedisCacheManager(writer, RedisCacheConfiguration.defaultCacheConfig(), false, caches) {

			// Textbook cache-aside deletes on writes: the service's @CachePut evicts
			// here.
			@Override
			protected RedisCache createRedisCache(String name, @Nullable RedisCacheConfiguration configuration) {
				return new RedisCache(name, getCacheWriter(),
						(configuration != null) ? configuration : getDefaultCacheConfiguration()) {

					@Override
					public void put(Object key, @Nullable Object value) {
						evict(key);
					}

				};
			}

		};
	}

}
