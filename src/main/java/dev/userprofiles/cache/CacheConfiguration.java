package dev.userprofiles.cache;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.lettuce.core.ClientOptions.DisconnectedBehavior;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions.RefreshTrigger;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.tracing.Tracer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;
import org.springframework.boot.cache.metrics.RedisCacheMeterBinderProvider;
import org.springframework.boot.cache.autoconfigure.RedisCacheManagerBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.cache.annotation.CachingConfigurer;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.interceptor.CacheErrorHandler;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.cache.BatchStrategies;
import org.springframework.data.redis.cache.RedisCache;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.cache.RedisCacheWriter;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * Shapes Boot's {@code RedisCacheManager} for a Redis Cluster: per-cache TTL and value
 * format, misses filled under leases (no stale sets, no stampedes), a circuit breaker in
 * front of Redis, SCAN-based clearing, statistics, a local level per instance kept
 * consistent by an invalidation bus, and a cache layer whose read failures never fail a
 * request (a write whose invalidation fails answers 503).
 */
@Configuration(proxyBeanMethods = false)
// Caching wraps the transaction: puts and evictions run after commit, never before it.
@EnableCaching(order = Ordered.LOWEST_PRECEDENCE - 1)
class CacheConfiguration implements CachingConfigurer {

	private static final Log logger = LogFactory.getLog(CacheConfiguration.class);

	private final ProfileCacheProperties properties;

	private final ObjectProvider<PendingEvictions> pendingEvictions;

	private final CacheFailures failures;

	CacheConfiguration(ProfileCacheProperties properties, ObjectProvider<MeterRegistry> meterRegistry,
			ObjectProvider<PendingEvictions> pendingEvictions) {
		this.properties = properties;
		this.pendingEvictions = pendingEvictions;
		this.failures = new CacheFailures(meterRegistry, properties.errorLogInterval());
	}

	@Override
	public CacheErrorHandler errorHandler() {
		return new TolerantCacheErrorHandler(this.failures, this.pendingEvictions.getObject());
	}

	/**
	 * Retries failed evictions every half second until the longest TTL (with jitter) has
	 * passed, after which the entry is gone anyway.
	 */
	@Bean
	PendingEvictions pendingEvictions(MeterRegistry meterRegistry) {
		return new PendingEvictions(Duration.ofMillis(500), longestTtl(), meterRegistry);
	}

	/** The longest an entry lives: the longest TTL with the most jitter. */
	private Duration longestTtl() {
		Duration longest = this.properties.caches()
			.values()
			.stream()
			.map(ProfileCacheProperties.CacheSpec::ttl)
			.max(Duration::compareTo)
			.orElseThrow();
		return Duration.ofMillis((long) (longest.toMillis() * (1 + this.properties.ttlJitter())));
	}

	/**
	 * Opens when Redis fails or stalls, so that requests stop paying a timeout each and
	 * read the database directly; probes Redis again after {@code open-duration}.
	 */
	@Bean
	CircuitBreaker redisCacheBreaker(MeterRegistry meterRegistry) {
		ProfileCacheProperties.Breaker settings = this.properties.breaker();
		CircuitBreaker breaker = CircuitBreaker.of("redis-cache",
				CircuitBreakerConfig.custom()
					.slidingWindow(settings.window(), settings.window() / 2, SlidingWindowType.COUNT_BASED)
					// Failures only, not slow calls: a stalled Redis fails at the command
					// timeout, while a merely busy client must not switch caching off.
					.failureRateThreshold(settings.failureRateThreshold())
					.waitDurationInOpenState(settings.openDuration())
					.permittedNumberOfCallsInHalfOpenState(Math.max(2, settings.window() / 4))
					// Redis trouble only: a bug of ours must not switch the cache off.
					.recordException((ex) -> ex instanceof DataAccessException)
					.build());
		// No event consumers: with one, Resilience4j creates an event per call
		// (RedisBreaker logs transitions instead).
		for (CircuitBreaker.State state : List.of(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN,
				CircuitBreaker.State.HALF_OPEN)) {
			Gauge.builder("cache.breaker.state", breaker, (b) -> (b.getState() == state) ? 1 : 0)
				.description("1 for the current state of the circuit breaker in front of Redis")
				.tag("state", state.name().toLowerCase(Locale.ROOT))
				.register(meterRegistry);
		}
		return breaker;
	}

	/** Where every Redis command of the cache layer passes (breaker, metrics). */
	@Bean
	CacheRedis cacheRedis(LettuceConnectionFactory connectionFactory, CircuitBreaker redisCacheBreaker,
			MeterRegistry meterRegistry) {
		return new CacheRedis(connectionFactory, redisCacheBreaker, meterRegistry);
	}

	/**
	 * The bus that keeps the local levels consistent; only with the Redis cache (the
	 * {@code none} and {@code simple} baselines have no local level to keep).
	 */
	@Bean
	@ConditionalOnBooleanProperty(name = "profiles.cache.near.enabled", matchIfMissing = true)
	@ConditionalOnProperty(name = "spring.cache.type", havingValue = "redis")
	InvalidationBus invalidationBus(CacheRedis cacheRedis, MeterRegistry meterRegistry,
			ObjectProvider<ReplicaReads> replicaReads) {
		return new InvalidationBus(cacheRedis, this.properties.near(), this.properties.keyPrefix(), meterRegistry,
				replicaReads.getIfAvailable());
	}

	/**
	 * Reads of the Redis level from replicas, guarded by the fences the bus raises; opt
	 * in, and only with the bus. Fences live for the longest TTL with jitter: the values
	 * they guard against have expired by then.
	 */
	@Bean
	@ConditionalOnBooleanProperty("profiles.cache.replica-reads.enabled")
	@ConditionalOnBooleanProperty(name = "profiles.cache.near.enabled", matchIfMissing = true)
	@ConditionalOnProperty(name = "spring.cache.type", havingValue = "redis")
	ReplicaReads replicaReads(CacheRedis cacheRedis, MeterRegistry meterRegistry) {
		this.properties.caches().forEach((name, spec) -> {
			if (spec.localSize().toBytes() == 0) {
				// Only a cache with a local level raises fences on its writes.
				throw new IllegalStateException("profiles.cache.replica-reads.enabled needs a local level for every "
						+ "cache; set profiles.cache.caches." + name + ".local-size");
			}
		});
		return new ReplicaReads(cacheRedis, longestTtl(), this.properties.replicaReads().maxFences(), meterRegistry);
	}

	/**
	 * Puts a local level in front of each Redis cache that has a {@code local-size}, when
	 * the invalidation bus exists. A post-processor because Boot's manager offers no hook
	 * to decorate its caches, and replacing the manager would lose Boot's configuration.
	 */
	@Bean
	static BeanPostProcessor nearCacheLevels(ObjectProvider<InvalidationBus> bus,
			ObjectProvider<ProfileCacheProperties> properties, ObjectProvider<CacheValueCodec<?>> codecs,
			ObjectProvider<MeterRegistry> meters, ObjectProvider<Tracer> tracer) {
		return new BeanPostProcessor() {

			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				InvalidationBus invalidationBus = (bean instanceof RedisCacheManager) ? bus.getIfAvailable() : null;
				if (invalidationBus == null) {
					return bean;
				}
				ProfileCacheProperties settings = properties.getObject();
				Map<String, CacheValueCodec<Object>> codecsByCache = codecsByCache(settings.caches().keySet(),
						codecs.orderedStream().toList());
				return new NearCacheManager((RedisCacheManager) bean, (redisLevel) -> {
					ProfileCacheProperties.CacheSpec spec = settings.caches().get(redisLevel.getName());
					if (spec == null || spec.localSize().toBytes() == 0) {
						return null;
					}
					CacheValueCodec<Object> codec = codecsByCache.get(redisLevel.getName());
					RedisSerializer<Object> serializer = codec.serializer(spec.format());
					return new NearCache(redisLevel, spec.localSize(), spec.ttl(),
							(value) -> serializer.serialize(value).length, codec::version, invalidationBus,
							settings.lease().maxWait(), meters.getObject(), tracing(tracer));
				});
			}

		};
	}

	/** The two levels' metrics: Boot's for the Redis level, Micrometer's for Caffeine. */
	@Bean
	CacheMeterBinderProvider<NearCache> nearCacheMeterBinderProvider() {
		RedisCacheMeterBinderProvider redisLevel = new RedisCacheMeterBinderProvider();
		return (cache, tags) -> (registry) -> {
			MeterBinder redisMeters = redisLevel.getMeterBinder((RedisCache) cache.redisLevel(), tags);
			if (redisMeters != null) {
				redisMeters.bindTo(registry);
			}
			new CaffeineCacheMetrics<>(cache.localLevel(), cache.getName() + ".local", tags).bindTo(registry);
			LeaseCacheWriter.registerMeters(registry, cache.getName());
		};
	}

	/** Spans of the cache layer when tracing is on the classpath, none otherwise. */
	private static CacheTracing tracing(ObjectProvider<Tracer> tracer) {
		Tracer available = tracer.getIfAvailable();
		return (available != null) ? new CacheTracing(available) : CacheTracing.NONE;
	}

	/** Keeps the leases of running loads alive; closed with the context. */
	@Bean
	LeaseKeeper leaseKeeper() {
		ProfileCacheProperties.Lease lease = this.properties.lease();
		return new LeaseKeeper(lease.ttl(), lease.maxLoad());
	}

	/**
	 * Invalidating writes that wait for replicas (see {@code ReplicatedWrites}); only
	 * with the Redis cache.
	 */
	@Bean
	@ConditionalOnBooleanProperty(name = "profiles.cache.durable-invalidation.enabled", matchIfMissing = true)
	@ConditionalOnProperty(name = "spring.cache.type", havingValue = "redis")
	ReplicatedWrites replicatedWrites(CacheRedis cacheRedis) {
		ProfileCacheProperties.DurableInvalidation settings = this.properties.durableInvalidation();
		return new ReplicatedWrites(cacheRedis, settings.replicas(), settings.timeout());
	}

	@Bean
	RedisCacheManagerBuilderCustomizer profileCaches(RedisConnectionFactory connectionFactory, CacheRedis cacheRedis,
			LeaseKeeper leaseKeeper, MeterRegistry meterRegistry, ObjectProvider<Tracer> tracer,
			ObjectProvider<ReplicatedWrites> replicatedWrites, ObjectProvider<ReplicaReads> replicaReads,
			ObjectProvider<CacheValueCodec<?>> codecs) {
		Map<String, CacheValueCodec<Object>> codecsByCache = codecsByCache(this.properties.caches().keySet(),
				codecs.orderedStream().toList());
		Map<String, RedisCacheConfiguration> caches = new LinkedHashMap<>();
		this.properties.caches()
			.forEach((name, spec) -> caches.put(name,
					cacheConfiguration(spec, codecsByCache.get(name).serializer(spec.format()))));
		// Immediate writes: an evict has reached Redis when the request returns, so the
		// next read on any instance sees it. clear() uses SCAN, never KEYS.
		RedisCacheWriter plain = RedisCacheWriter.create(connectionFactory,
				(configurer) -> configurer.immediateWrites().batchStrategy(BatchStrategies.scan(1000)));
		ProfileCacheProperties.Lease lease = this.properties.lease();
		RedisCacheWriter writer = new LeaseCacheWriter(plain, cacheRedis, this.failures, meterRegistry, lease.ttl(),
				lease.maxWait(), leaseKeeper, tracing(tracer), replicatedWrites.getIfAvailable(),
				replicaReads.getIfAvailable());
		return (builder) -> builder.cacheWriter(writer)
			.withInitialCacheConfigurations(caches)
			.disableCreateOnMissingCache()
			.enableStatistics();
	}

	/**
	 * Commands fail at once while a node is disconnected instead of queueing until the
	 * command timeout: a Redis outage then costs a fast miss, not a slow one. Adaptive
	 * topology refreshes (Boot's {@code refresh.adaptive}) may run every
	 * {@code adaptive-refresh-timeout} instead of Lettuce's 30 s: the first trigger of a
	 * failover comes before the replica is promoted, and with 30 s the promotion went
	 * unnoticed for 21.6 s in {@code MasterFailoverTests}.
	 */
	@Bean
	LettuceClientOptionsBuilderCustomizer failFastClusterClient() {
		Duration adaptiveRefreshTimeout = this.properties.adaptiveRefreshTimeout();
		return (options) -> {
			options.disconnectedBehavior(DisconnectedBehavior.REJECT_COMMANDS);
			if (!(options instanceof ClusterClientOptions.Builder cluster)) {
				// Boot builds cluster options only when a spring.data.redis.cluster.*
				// property is set: application.yml sets max-redirects for that reason.
				logger.warn("Redis client is not in cluster mode: topology refresh settings not applied");
			}
			else {
				ClusterTopologyRefreshOptions configured = cluster.build().getTopologyRefreshOptions();
				ClusterTopologyRefreshOptions.Builder refresh = ClusterTopologyRefreshOptions.builder()
					.dynamicRefreshSources(configured.useDynamicRefreshSources())
					.closeStaleConnections(configured.isCloseStaleConnections())
					.refreshTriggersReconnectAttempts(configured.getRefreshTriggersReconnectAttempts())
					.adaptiveRefreshTriggersTimeout(adaptiveRefreshTimeout);
				if (!configured.getAdaptiveRefreshTriggers().isEmpty()) {
					refresh.enableAdaptiveRefreshTrigger(
							configured.getAdaptiveRefreshTriggers().toArray(RefreshTrigger[]::new));
				}
				if (configured.isPeriodicRefreshEnabled()) {
					refresh.enablePeriodicRefresh(configured.getRefreshPeriod());
				}
				cluster.topologyRefreshOptions(refresh.build());
			}
		};
	}

	/**
	 * Reconnects at most a second apart: Lettuce backs off up to 30 s, and after an
	 * outage writes answer 503 until the connections they invalidate through are back.
	 */
	@Bean
	ClientResourcesBuilderCustomizer promptReconnects() {
		return (resources) -> resources
			.reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS));
	}

	private RedisCacheConfiguration cacheConfiguration(ProfileCacheProperties.CacheSpec spec,
			RedisSerializer<Object> values) {
		String keyPrefix = this.properties.keyPrefix();
		return RedisCacheConfiguration.defaultCacheConfig()
			.entryTtl(new JitteredTtl(spec.ttl(), this.properties.ttlJitter()))
			.computePrefixWith((cacheName) -> keyPrefix + cacheName + "::")
			// Lets "absent" reach the writer as a value, which stores it briefly.
			.serializeValuesWith(SerializationPair.fromSerializer(values));
	}

	/**
	 * The codec of each configured cache, which the module owning its values declares.
	 * Unmatched either way, a cache would fail every call outside the error handler, or a
	 * module's cache would not exist: fail at startup instead.
	 */
	@SuppressWarnings("unchecked")
	static Map<String, CacheValueCodec<Object>> codecsByCache(Set<String> configured, List<CacheValueCodec<?>> codecs) {
		Map<String, CacheValueCodec<Object>> byCache = new LinkedHashMap<>();
		for (CacheValueCodec<?> codec : codecs) {
			if (!configured.contains(codec.cacheName())) {
				throw new IllegalStateException("profiles.cache.caches." + codec.cacheName() + " must be configured");
			}
			if (byCache.put(codec.cacheName(), (CacheValueCodec<Object>) codec) != null) {
				throw new IllegalStateException("Two codecs for cache '" + codec.cacheName() + "'");
			}
		}
		for (String name : configured) {
			if (!byCache.containsKey(name)) {
				throw new IllegalStateException("profiles.cache.caches." + name
						+ " names no cache of this service: no CacheValueCodec is declared for it");
			}
		}
		return byCache;
	}

}
