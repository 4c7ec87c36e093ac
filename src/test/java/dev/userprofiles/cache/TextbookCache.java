package dev.userprofiles.cache;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.cache.RedisCacheWriter;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;

/**
 * The textbook cache-aside configuration, for comparison: Spring Data Redis's own
 * (non-locking) cache writer behind the same annotations, same TTLs, key prefix and value
 * format. A miss reads the database and then puts what it read, whatever happened
 * meanwhile. Writes are immediate, as in the service, so the only difference is the lease
 * machinery. A bean source for a {@code ServiceInstance}: its cache manager replaces
 * Boot's (and with it the service's writer).
 */
class TextbookCache {

	@Bean
	RedisCacheManager cacheManager(RedisConnectionFactory connectionFactory, ProfileCacheProperties properties) {
		Map<String, RedisCacheConfiguration> caches = new LinkedHashMap<>();
		properties.caches()
			.forEach((name, spec) -> caches.put(name,
					RedisCacheConfiguration.defaultCacheConfig()
						.entryTtl(spec.ttl())
						.computePrefixWith((cacheName) -> properties.keyPrefix() + cacheName + "::")
						.serializeValuesWith(
								SerializationPair.fromSerializer(CacheConfiguration.valueSerializer(spec.format())))));
		return RedisCacheManager
			.builder(RedisCacheWriter.create(connectionFactory, (writer) -> writer.immediateWrites()))
			.withInitialCacheConfigurations(caches)
			.enableStatistics()
			.build();
	}

}
