package dev.userprofiles.cache;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cache.Cache;
import org.springframework.cache.interceptor.CacheErrorHandler;
import org.springframework.data.redis.serializer.SerializationException;

/**
 * Makes a cache failure cost a cache miss, never a request: reads fall through to
 * Postgres, writes still commit. Every failure is counted in {@code cache.errors}; the
 * log gets at most one warning per operation per interval, so an outage does not flood
 * it.
 * <p>
 * An entry that cannot be decoded is evicted, so the next read stores a fresh one. When a
 * put or evict fails, the entry it should have replaced is evicted later by
 * {@link PendingEvictions}, so a write is never shadowed by an older entry for a TTL.
 */
class TolerantCacheErrorHandler implements CacheErrorHandler {

	private static final Log logger = LogFactory.getLog(TolerantCacheErrorHandler.class);

	private final ObjectProvider<MeterRegistry> meterRegistry;

	private final PendingEvictions pendingEvictions;

	private final long logIntervalNanos;

	private final Map<String, RateLimitedLog> logs = new ConcurrentHashMap<>();

	TolerantCacheErrorHandler(ObjectProvider<MeterRegistry> meterRegistry, PendingEvictions pendingEvictions,
			Duration logInterval) {
		this.meterRegistry = meterRegistry;
		this.pendingEvictions = pendingEvictions;
		this.logIntervalNanos = logInterval.toNanos();
	}

	@Override
	public void handleCacheGetError(RuntimeException exception, Cache cache, Object key) {
		record(exception, cache, "get", key);
		if (exception instanceof SerializationException) {
			try {
				cache.evict(key);
			}
			catch (RuntimeException ex) {
				handleCacheEvictError(ex, cache, key);
			}
		}
	}

	@Override
	public void handleCachePutError(RuntimeException exception, Cache cache, Object key, @Nullable Object value) {
		record(exception, cache, "put", key);
		this.pendingEvictions.retry(cache, key);
	}

	@Override
	public void handleCacheEvictError(RuntimeException exception, Cache cache, Object key) {
		record(exception, cache, "evict", key);
		this.pendingEvictions.retry(cache, key);
	}

	@Override
	public void handleCacheClearError(RuntimeException exception, Cache cache) {
		record(exception, cache, "clear", "*");
	}

	private void record(RuntimeException exception, Cache cache, String operation, Object key) {
		MeterRegistry registry = this.meterRegistry.getIfAvailable();
		if (registry != null) {
			Counter.builder("cache.errors")
				.description("Cache operations that failed and were treated as misses")
				.tag("cache", cache.getName())
				.tag("operation", operation)
				.tag("exception", exception.getClass().getSimpleName())
				.register(registry)
				.increment();
		}
		this.logs
			.computeIfAbsent(cache.getName() + ":" + operation, (name) -> new RateLimitedLog(this.logIntervalNanos))
			.warn(() -> "Cache " + operation + " failed on '" + cache.getName() + "' for key " + key
					+ "; serving from the database instead: " + exception);
	}

	/**
	 * Lets one warning through per interval and reports how many it held back.
	 */
	private static final class RateLimitedLog {

		private final long intervalNanos;

		private final AtomicLong nextAllowedAt = new AtomicLong(Long.MIN_VALUE);

		private final AtomicLong suppressed = new AtomicLong();

		RateLimitedLog(long intervalNanos) {
			this.intervalNanos = intervalNanos;
		}

		void warn(Supplier<String> message) {
			long now = System.nanoTime();
			long allowedAt = this.nextAllowedAt.get();
			if ((allowedAt == Long.MIN_VALUE || now - allowedAt >= 0)
					&& this.nextAllowedAt.compareAndSet(allowedAt, now + this.intervalNanos)) {
				long held = this.suppressed.getAndSet(0);
				logger.warn(message.get() + ((held > 0) ? " (" + held + " similar failures not logged)" : ""));
			}
			else {
				this.suppressed.incrementAndGet();
			}
		}

	}

}
