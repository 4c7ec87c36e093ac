package dev.userprofiles.cache;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.userprofiles.logging.RateLimitedLog;
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

	private final Duration logInterval;

	private final Map<String, RateLimitedLog> logs = new ConcurrentHashMap<>();

	CacheFailures(ObjectProvider<MeterRegistry> meterRegistry, Duration logInterval) {
		this.meterRegistry = meterRegistry;
		this.logInterval = logInterval;
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
		this.logs.computeIfAbsent(cacheName + ":" + operation, (name) -> new RateLimitedLog(logger, this.logInterval))
			.warn(() -> "Cache " + operation + " failed on '" + cacheName + "' for key " + key
					+ "; serving from the database instead: " + exception);
	}

}
