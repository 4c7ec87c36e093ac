package dev.userprofiles.logging;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;

/**
 * One warning per interval, with a count of those held back: during an outage every
 * request fails the same way, and one line per request would flood the log.
 */
public final class RateLimitedLog {

	private final Log logger;

	private final long intervalNanos;

	private final AtomicLong nextAllowedAt = new AtomicLong(Long.MIN_VALUE);

	private final AtomicLong suppressed = new AtomicLong();

	public RateLimitedLog(Log logger, Duration interval) {
		this.logger = logger;
		this.intervalNanos = interval.toNanos();
	}

	public void warn(Supplier<String> message) {
		long now = System.nanoTime();
		long allowedAt = this.nextAllowedAt.get();
		if ((allowedAt == Long.MIN_VALUE || now - allowedAt >= 0)
				&& this.nextAllowedAt.compareAndSet(allowedAt, now + this.intervalNanos)) {
			long held = this.suppressed.getAndSet(0);
			this.logger.warn(message.get() + ((held > 0) ? " (" + held + " similar warnings not logged)" : ""));
		}
		else {
			this.suppressed.incrementAndGet();
		}
	}

}
