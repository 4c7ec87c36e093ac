package dev.userprofiles.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.userprofiles.logging.RateLimitedLog;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * One token bucket per client, kept in Redis by Bucket4j (its Lettuce backend) so that
 * every instance draws from the same bucket. Each instance consumes from its local view
 * of a bucket and syncs it with Redis every few requests (Bucket4j's delaying
 * optimization), so the hot path rarely waits for Redis.
 * <p>
 * When Redis fails, a circuit breaker sends every client to a per-instance bucket of the
 * same size for a while: limits per instance rather than none.
 */
@Component
class ClientRateLimits {

	private static final Log logger = LogFactory.getLog(ClientRateLimits.class);

	private static final String KEY_PREFIX = "profiles:rate-limit:";

	private final RateLimitProperties properties;

	private final BucketConfiguration configuration;

	private final ObjectProvider<LettuceConnectionFactory> redis;

	private final CircuitBreaker breaker;

	/** Bucket4j's proxies keep the delaying state: one per client, reused. */
	private final Cache<String, BucketProxy> shared;

	private final Cache<String, Bucket> local;

	private final RateLimitedLog redisFailures;

	private final @Nullable MeterRegistry meters;

	private volatile @Nullable ProxyManager<byte[]> proxyManager;

	ClientRateLimits(RateLimitProperties properties, ObjectProvider<LettuceConnectionFactory> redis,
			ObjectProvider<MeterRegistry> meters) {
		this.properties = properties;
		this.configuration = BucketConfiguration.builder()
			.addLimit(Bandwidth.builder()
				.capacity(properties.capacity())
				.refillGreedy(properties.capacity(), properties.period())
				.build())
			.build();
		this.redis = redis;
		this.breaker = CircuitBreaker.of("rate-limits",
				CircuitBreakerConfig.custom()
					.slidingWindowSize(10)
					.minimumNumberOfCalls(3)
					.failureRateThreshold(50)
					.waitDurationInOpenState(properties.redisRetryInterval())
					.permittedNumberOfCallsInHalfOpenState(1)
					.build());
		// An idle client's bucket is full again after one period: forgetting it is exact.
		Duration idle = properties.period().plusSeconds(1);
		this.shared = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(idle).build();
		this.local = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(idle).build();
		this.redisFailures = new RateLimitedLog(logger, Duration.ofSeconds(10));
		this.meters = meters.getIfAvailable();
		if (this.meters != null) {
			// At zero from the start, for dashboards and alerts.
			rejections(this.meters, "redis");
			rejections(this.meters, "local");
		}
	}

	long capacity() {
		return this.properties.capacity();
	}

	Duration period() {
		return this.properties.period();
	}

	/** Takes one request from the client's bucket. */
	ConsumptionProbe tryConsume(String client) {
		ConsumptionProbe probe = tryShared(client);
		String store = "redis";
		if (probe == null) {
			probe = this.local
				.get(client, (key) -> Bucket.builder().addLimit(this.configuration.getBandwidths()[0]).build())
				.tryConsumeAndReturnRemaining(1);
			store = "local";
		}
		if (!probe.isConsumed() && this.meters != null) {
			rejections(this.meters, store).increment();
		}
		return probe;
	}

	private static Counter rejections(MeterRegistry meters, String store) {
		return Counter.builder("profiles.rate_limit.rejections")
			.description("Requests refused with 429, by where the bucket was kept")
			.tag("store", store)
			.register(meters);
	}

	private @Nullable ConsumptionProbe tryShared(String client) {
		if (!this.breaker.tryAcquirePermission()) {
			return null;
		}
		long start = System.nanoTime();
		try {
			ConsumptionProbe probe = this.shared.get(client, this::proxy).tryConsumeAndReturnRemaining(1);
			this.breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
			return probe;
		}
		catch (RuntimeException ex) {
			this.breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, ex);
			// The proxy's unsynced state is lost with it; the next one starts from Redis.
			this.shared.invalidate(client);
			this.redisFailures.warn(() -> "Rate limits fall back to per-instance buckets: " + ex);
			return null;
		}
	}

	private BucketProxy proxy(String client) {
		RemoteBucketBuilder<byte[]> builder = proxyManager().builder();
		if (this.properties.maxUnsyncedRequests() > 0) {
			builder = builder.withOptimization(Optimizations.delaying(
					new DelayParameters(this.properties.maxUnsyncedRequests(), this.properties.maxUnsyncedTime())));
		}
		return builder.build((KEY_PREFIX + client).getBytes(StandardCharsets.UTF_8), () -> this.configuration);
	}

	/**
	 * Connects on first use, so a Redis that is down at startup only means local limits.
	 */
	private ProxyManager<byte[]> proxyManager() {
		ProxyManager<byte[]> manager = this.proxyManager;
		if (manager == null) {
			synchronized (this) {
				manager = this.proxyManager;
				if (manager == null) {
					manager = connect();
					this.proxyManager = manager;
				}
			}
		}
		return manager;
	}

	private ProxyManager<byte[]> connect() {
		LettuceConnectionFactory factory = this.redis.getIfAvailable();
		AbstractRedisClient client = (factory != null) ? factory.getNativeClient() : null;
		Bucket4jLettuce.LettuceBasedProxyManagerBuilder<byte[]> builder;
		if (client instanceof RedisClusterClient cluster) {
			builder = Bucket4jLettuce.casBasedBuilder(cluster);
		}
		else if (client instanceof RedisClient standalone) {
			builder = Bucket4jLettuce.casBasedBuilder(standalone);
		}
		else {
			throw new IllegalStateException("No Lettuce client to keep rate limits in Redis");
		}
		return builder.requestTimeout(this.properties.redisTimeout())
			.expirationAfterWrite(
					ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
			.build();
	}

}
