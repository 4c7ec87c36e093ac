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

import org.springframework.beans.factory.ObjectProvider;

/**
 * Where the cache layer reports a failure it absorbed: each is counted in
 * {@code cache.errors}, and the log gets at most one warning per operation per interval,
 * so an outage does not flood it.
 */
class CacheFailures {

	private static final Log logger = LogFactory.getLog(CacheFailures.class);

	private final ObjectProvider<MeterRegistry> meterRegistry;

	private final long logIntervalNanos;

	private final Map<String, RateLimitedLog> logs = new ConcurrentHashMap<>();

	CacheFailures(ObjectProvider<MeterRegistry> meterRegistry, Duration logInterval) {
		this.meterRegistry = meterRegistry;
		this.logIntervalNanos = logInterval.toNanos();
	}

	void record(RuntimeException exception, String cacheName, String operation, Object key) {
		MeterRegistry registry = this.meterRegistry.getIfAvailable();
		if (registry != null) {
			Counter.builder("cache.errors")
				.description("Cache operations that failed and were treated as misses")
				.tag("cache", cacheName)
				.tag("operation", operation)
				.tag("exception", exception.getClass().getSimpleName())
				.register(registry)
				.increment();
		}
		this.logs.computeIfAbsent(cacheName + ":" + operation, (name) -> new RateLimitedLog(this.logIntervalNanos))
			.warn(() -> "Cache " + operation + " failed on '" + cacheName + "' for key " + key
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
