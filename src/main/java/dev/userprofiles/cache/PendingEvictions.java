package dev.userprofiles.cache;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.cache.Cache;

/**
 * Evictions retried until Redis takes them. When a write's put or evict fails (a master
 * failing over, a timeout), the entry it should have replaced may survive on the replica
 * that takes over; without a retry every instance would serve it until its TTL ends.
 * <p>
 * A retry may evict a newer entry written meanwhile: that costs one miss, never a stale
 * read. Retries stop once the entry would have expired anyway. Hand-written because the
 * cache abstraction has no repair queue and a scheduler plus a map is all it takes.
 */
class PendingEvictions implements DisposableBean {

	/** Most keys waiting at once; beyond that a key is dropped and counted. */
	static final int CAPACITY = 100_000;

	private final Map<Pending, Long> deadlines = new ConcurrentHashMap<>();

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "cache-pending-evictions");
		thread.setDaemon(true);
		return thread;
	});

	private final Duration retryInterval;

	private final Duration giveUpAfter;

	/** Nanosecond time source, like {@link System#nanoTime()}. */
	private final LongSupplier ticker;

	PendingEvictions(Duration retryInterval, Duration giveUpAfter, MeterRegistry meters) {
		this(retryInterval, giveUpAfter, meters, System::nanoTime);
	}

	PendingEvictions(Duration retryInterval, Duration giveUpAfter, MeterRegistry meters, LongSupplier ticker) {
		this.retryInterval = retryInterval;
		this.giveUpAfter = giveUpAfter;
		this.ticker = ticker;
		Gauge.builder("cache.evictions.pending", this.deadlines, Map::size)
			.description("Evictions that failed and are being retried")
			.register(meters);
	}

	/**
	 * Retries evicting {@code key} from {@code cache} until it succeeds or the longest
	 * TTL has passed.
	 * @return whether the key was queued (false when it already was, or the queue is
	 * full)
	 */
	boolean retry(Cache cache, Object key) {
		Pending pending = new Pending(cache, key);
		if (this.deadlines.size() >= CAPACITY
				|| this.deadlines.putIfAbsent(pending, this.ticker.getAsLong() + this.giveUpAfter.toNanos()) != null) {
			return false;
		}
		schedule(pending);
		return true;
	}

	int size() {
		return this.deadlines.size();
	}

	private void schedule(Pending pending) {
		this.scheduler.schedule(() -> attempt(pending), this.retryInterval.toMillis(), TimeUnit.MILLISECONDS);
	}

	private void attempt(Pending pending) {
		Long deadline = this.deadlines.get(pending);
		if (deadline == null) {
			return;
		}
		try {
			pending.cache().evict(pending.key());
			this.deadlines.remove(pending);
		}
		catch (RuntimeException ex) {
			if (this.ticker.getAsLong() - deadline >= 0) {
				this.deadlines.remove(pending);
			}
			else {
				schedule(pending);
			}
		}
	}

	@Override
	public void destroy() {
		this.scheduler.shutdownNow();
	}

	private record Pending(Cache cache, Object key) {

	}

}
