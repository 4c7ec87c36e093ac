package dev.userprofiles.cache;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.userprofiles.profile.UserProfile;
import io.lettuce.core.ClientOptions.DisconnectedBehavior;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.cache.autoconfigure.RedisCacheManagerBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.cache.annotation.CachingConfigurer;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.interceptor.CacheErrorHandler;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.data.redis.cache.BatchStrategies;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheWriter;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.serializer.JacksonJsonRedisSerializer;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * Shapes Boot's {@code RedisCacheManager} for a Redis Cluster: per-cache TTL and value
 * format, synchronous writes, SCAN-based clearing, statistics, and a cache layer whose
 * failures never fail a request.
 */
@Configuration(proxyBeanMethods = false)
// Caching wraps the transaction: puts and evictions run after commit, never before it.
@EnableCaching(order = Ordered.LOWEST_PRECEDENCE - 1)
class CacheConfiguration implements CachingConfigurer {

	private final ProfileCacheProperties properties;

	private final ObjectProvider<MeterRegistry> meterRegistry;

	CacheConfiguration(ProfileCacheProperties properties, ObjectProvider<MeterRegistry> meterRegistry) {
		this.properties = properties;
		this.meterRegistry = meterRegistry;
	}

	@Override
	public CacheErrorHandler errorHandler() {
		return new TolerantCacheErrorHandler(this.meterRegistry, this.properties.errorLogInterval());
	}

	@Bean
	RedisCacheManagerBuilderCustomizer profileCaches(RedisConnectionFactory connectionFactory) {
		Map<String, RedisCacheConfiguration> caches = new LinkedHashMap<>();
		this.properties.caches().forEach((name, spec) -> caches.put(name, cacheConfiguration(spec)));
		// Immediate writes: a put or evict has reached Redis when the request returns, so
		// the
		// next read on any instance sees it. SCAN per node: clear() never runs KEYS.
		RedisCacheWriter writer = RedisCacheWriter.create(connectionFactory,
				(configurer) -> configurer.immediateWrites().batchStrategy(BatchStrategies.scan(1000)));
		return (builder) -> builder.cacheWriter(writer)
			.withInitialCacheConfigurations(caches)
			.disableCreateOnMissingCache()
			.enableStatistics();
	}

	/**
	 * Commands fail at once while a node is disconnected instead of queueing until the
	 * command timeout: a Redis outage then costs a fast miss, not a slow one.
	 */
	@Bean
	LettuceClientOptionsBuilderCustomizer rejectCommandsWhileDisconnected() {
		return (options) -> options.disconnectedBehavior(DisconnectedBehavior.REJECT_COMMANDS);
	}

	private RedisCacheConfiguration cacheConfiguration(ProfileCacheProperties.CacheSpec spec) {
		String keyPrefix = this.properties.keyPrefix();
		return RedisCacheConfiguration.defaultCacheConfig()
			.entryTtl(new JitteredTtl(spec.ttl(), this.properties.ttlJitter()))
			.computePrefixWith((cacheName) -> keyPrefix + cacheName + "::")
			.disableCachingNullValues()
			.serializeValuesWith(SerializationPair.fromSerializer(valueSerializer(spec.format())));
	}

	static RedisSerializer<UserProfile> valueSerializer(ValueFormat format) {
		return switch (format) {
			case PROTOBUF -> new ProtobufProfileSerializer();
			case JSON -> new JacksonJsonRedisSerializer<>(JsonMapper.builder()
				.enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES,
						DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
				.build(), UserProfile.class);
		};
	}

}
