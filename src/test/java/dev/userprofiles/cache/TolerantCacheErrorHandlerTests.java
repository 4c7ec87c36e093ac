package dev.userprofiles.cache;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cache.concurrent.ConcurrentMapCache;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.serializer.SerializationException;

import static org.assertj.core.api.Assertions.assertThat;

class TolerantCacheErrorHandlerTests {

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final TolerantCacheErrorHandler handler = new TolerantCacheErrorHandler(provider(this.meters),
			Duration.ofMinutes(1));

	@Test
	void countsEveryFailureByCacheAndOperation() {
		ConcurrentMapCache cache = new ConcurrentMapCache("users");
		for (int i = 0; i < 3; i++) {
			this.handler.handleCacheGetError(new RedisConnectionFailureException("down"), cache, i);
		}
		this.handler.handleCachePutError(new RedisConnectionFailureException("down"), cache, 1, "value");

		assertThat(this.meters.get("cache.errors").tag("operation", "get").counter().count()).isEqualTo(3);
		assertThat(this.meters.get("cache.errors").tag("operation", "put").counter().count()).isEqualTo(1);
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
