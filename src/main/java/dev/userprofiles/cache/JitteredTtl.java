package dev.userprofiles.cache;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.cache.RedisCacheWriter.TtlFunction;

/**
 * A TTL of {@code base} plus a random share of up to {@code jitter * base}, so that keys
 * written together (a deploy, a bulk update) do not all expire in the same second.
 */
record JitteredTtl(Duration base, double jitter) implements TtlFunction {

	@Override
	public Duration getTimeToLive(Object key, @Nullable Object value) {
		long baseMillis = this.base.toMillis();
		long maxExtraMillis = (long) (baseMillis * this.jitter);
		if (maxExtraMillis <= 0) {
			return this.base;
		}
		return Duration.ofMillis(baseMillis + ThreadLocalRandom.current().nextLong(maxExtraMillis + 1));
	}

}
