package dev.userprofiles.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.userprofiles.infra.WithoutInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cache.concurrent.ConcurrentMapCache;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.serializer.SerializationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

@WithoutInfrastructure
class TolerantCacheErrorHandlerTests {

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final PendingEvictions pendingEvictions = new PendingEvictions(Duration.ofMillis(50), Duration.ofMinutes(1),
			this.meters);

	private final TolerantCacheErrorHandler handler = new TolerantCacheErrorHandler(
			new CacheFailures(provider(this.meters), Duration.ofMinutes(1)), this.pendingEvictions);

	@Test
	void countsEveryFailureByCacheAndOperation() {
		ConcurrentMapCache cache = new ConcurrentMapCache("users");
		for (int i = 0; i < 3; i++) {
			this.handler.handleCacheGetError(new RedisConnectionFailureException("down"), cache, i);
		}
		assertThatExceptionOfType(CacheInvalidationException.class).isThrownBy(
				() -> this.handler.handleCachePutError(new RedisConnectionFailureException("down"), cache, 1, "value"));

		assertThat(this.meters.get("cache.errors").tag("operation", "get").counter().count()).isEqualTo(3);
		assertThat(this.meters.get("cache.errors").tag("operation", "put").counter().count()).isEqualTo(1);
	}

	@AfterEach
	void stopRetries() {
		this.pendingEvictions.destroy();
	}

	@Test
	void retriesTheEvictionOfAnEntryAFailedPutCouldNotReplace() {
		ConcurrentMapCache cache = new ConcurrentMapCache("users");
		cache.put(1L, "old");

		assertThatExceptionOfType(CacheInvalidationException.class).isThrownBy(
				() -> this.handler.handleCachePutError(new RedisConnectionFailureException("down"), cache, 1L, "new"));

		await().atMost(Duration.ofSeconds(5)).until(() -> cache.get(1L) == null);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.pendingEvictions.size() == 0);
	}

	@Test
	void keepsRetryingWhileTheCacheFails() {
		AtomicInteger attempts = new AtomicInteger();
		ConcurrentMapCache failing = new ConcurrentMapCache("users") {

			@Override
			public void evict(Object key) {
				if (attempts.incrementAndGet() < 3) {
					throw new RedisConnectionFailureException("still down");
				}
				super.evict(key);
			}

		};
		failing.put(1L, "old");

		assertThatExceptionOfType(CacheInvalidationException.class)
			.isThrownBy(
					() -> this.handler.handleCacheEvictError(new RedisConnectionFailureException("down"), failing, 1L))
			.as("a write whose invalidation failed is not acknowledged")
			.withCauseInstanceOf(RedisConnectionFailureException.class);

		await().atMost(Duration.ofSeconds(5)).until(() -> failing.get(1L) == null);
		assertThat(attempts).hasValue(3);
		assertThat(this.meters.get("cache.evictions.pending").gauge().value()).isZero();
	}

	@Test
	void evictsAnEntryThatCannotBeDecoded() {
		ConcurrentMapCache cache = new ConcurrentMapCache("users");
		cache.put(1L, "garbage");

		this.handler.handleCacheGetError(new SerializationException("bad bytes"), cache, 1L);

		assertThat(cache.get(1L)).isNull();
	}

	@Test
	void keepsAnEntryWhenRedisIsUnreachable() {
		ConcurrentMapCache cache = new ConcurrentMapCache("users");
		cache.put(1L, "value");

		this.handler.handleCacheGetError(new RedisConnectionFailureException("down"), cache, 1L);

		assertThat(cache.get(1L)).isNotNull();
	}

	private static ObjectProvider<MeterRegistry> provider(MeterRegistry registry) {
		return new ObjectProvider<>() {

			@Override
			public MeterRegistry getObject() {
				return registry;
			}

		};
	}

}
