package dev.userprofiles.cache;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.cache.Cache;
import org.springframework.context.SmartLifecycle;

/**
 * Evictions retried until Redis takes them. When a write's put or evict fails (a master
 * failing over, a timeout), the entry it should have replaced may survive on the replica
 * that takes over; without a retry every instance would serve it until its TTL ends.
 * <p>
 * A retry may evict a newer entry written meanwhile: that costs one miss, never a stale
 * read. Retries stop once the entry would have expired anyway. Hand-written because the
 * cache abstraction has no repair queue and a scheduler plus a map is all it takes.
 * <p>
 * On shutdown each pending eviction is tried once more; what still fails is dropped,
 * counted and logged. Every drop is counted in {@code cache.evictions.dropped} by reason.
 */
class PendingEvictions implements SmartLifecycle, DisposableBean {

	/** Most keys waiting at once; beyond that a key is dropped and counted. */
	static final int CAPACITY = 100_000;

	/**
	 * Stops after the web server, so that no request queues a key after the final
	 * attempt, and before the Redis connection factory (phase 0), so that attempt can
	 * reach Redis.
	 */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final long OVERFLOW_WARNING_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

	/** How long shutdown waits for an attempt in progress (a Redis timeout at most). */
	private static final Duration ATTEMPT_IN_PROGRESS_WAIT = Duration.ofSeconds(5);

	private static final Log logger = LogFactory.getLog(PendingEvictions.class);

	private final Map<Pending, Deadline> deadlines = new ConcurrentHashMap<>();

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "cache-pending-evictions");
		thread.setDaemon(true);
		return thread;
	});

	private final Duration retryInterval;

	private final Duration giveUpAfter;

	/** Nanosecond time source, like {@link System#nanoTime()}. */
	private final LongSupplier ticker;

	private final Counter droppedOnOverflow;

	private final Counter droppedOnShutdown;

	private final AtomicLong nextOverflowWarningAt;

	private final AtomicLong overflowsNotLogged = new AtomicLong();

	private volatile boolean running;

	private final AtomicBoolean stopped = new AtomicBoolean();

	private volatile boolean finalAttemptsStarted;

	PendingEvictions(Duration retryInterval, Duration giveUpAfter, MeterRegistry meters) {
		this(retryInterval, giveUpAfter, meters, System::nanoTime);
	}

	PendingEvictions(Duration retryInterval, Duration giveUpAfter, MeterRegistry meters, LongSupplier ticker) {
		this.retryInterval = retryInterval;
		this.giveUpAfter = giveUpAfter;
		this.ticker = ticker;
		this.nextOverflowWarningAt = new AtomicLong(ticker.getAsLong());
		Gauge.builder("cache.evictions.pending", this.deadlines, Map::size)
			.description("Evictions that failed and are being retried")
			.register(meters);
		this.droppedOnOverflow = dropped("overflow", meters);
		this.droppedOnShutdown = dropped("shutdown", meters);
	}

	private static Counter dropped(String reason, MeterRegistry meters) {
		return Counter.builder("cache.evictions.dropped")
			.description("Failed evictions given up before their entry could expire")
			.tag("reason", reason)
			.register(meters);
	}

	/**
	 * Retries evicting {@code key} from {@code cache} until it succeeds or the longest
	 * TTL has passed since the last call for that key.
	 * @return whether the key was queued (false when it already was, its retries now
	 * lasting longer, or when the queue is full)
	 */
	boolean retry(Cache cache, Object key) {
		Pending pending = new Pending(cache, key);
		if (this.deadlines.size() >= CAPACITY && !this.deadlines.containsKey(pending)) {
			dropOnOverflow(pending);
			return false;
		}
		// A key queued again takes the new deadline: the entry its latest failed write
		// left behind may live a full TTL from now.
		if (this.deadlines.put(pending, new Deadline(this.ticker.getAsLong() + this.giveUpAfter.toNanos())) != null) {
			return false;
		}
		schedule(pending);
		return true;
	}

	int size() {
		return this.deadlines.size();
	}

	/**
	 * Counts every dropped key but logs at most one warning per interval, as an outage
	 * long enough to fill the queue would otherwise flood the log.
	 */
	private void dropOnOverflow(Pending pending) {
		this.droppedOnOverflow.increment();
		long now = this.ticker.getAsLong();
		long warnAt = this.nextOverflowWarningAt.get();
		if (now - warnAt >= 0
				&& this.nextOverflowWarningAt.compareAndSet(warnAt, now + OVERFLOW_WARNING_INTERVAL_NANOS)) {
			long notLogged = this.overflowsNotLogged.getAndSet(0);
			logger.warn("Cache eviction queue is full (" + CAPACITY + " keys): dropped the eviction of key "
					+ pending.key() + " from '" + pending.cache().getName()
					+ "', whose old entry may be served until its TTL ends"
					+ ((notLogged > 0) ? " (" + notLogged + " more dropped since the last warning)" : ""));
		}
		else {
			this.overflowsNotLogged.incrementAndGet();
		}
	}

	private void schedule(Pending pending) {
		try {
			this.scheduler.schedule(() -> attempt(pending), this.retryInterval.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException ex) {
			// Shut down. Until the final attempts start, the key waits for them; after,
			// it gets its one final attempt here.
			if (this.finalAttemptsStarted && this.deadlines.remove(pending) != null && !evicts(pending)) {
				this.droppedOnShutdown.increment();
				logger.warn("Cache eviction of key " + pending.key() + " from '" + pending.cache().getName()
						+ "' failed after shutdown and was dropped; its old entry may be served until its TTL ends");
			}
		}
	}

	private void attempt(Pending pending) {
		Deadline deadline = this.deadlines.get(pending);
		if (deadline == null) {
			return;
		}
		try {
			pending.cache().evict(pending.key());
			finish(pending, deadline);
		}
		catch (RuntimeException ex) {
			if (deadline.hasPassed(this.ticker.getAsLong())) {
				finish(pending, deadline);
			}
			else {
				schedule(pending);
			}
		}
	}

	private void finish(Pending pending, Deadline deadline) {
		// A retry() since this attempt began queued the key again, maybe for a write
		// that failed after the evict above: the key needs another attempt.
		if (!this.deadlines.remove(pending, deadline)) {
			schedule(pending);
		}
	}

	private static boolean evicts(Pending pending) {
		try {
			pending.cache().evict(pending.key());
			return true;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Stops retrying and tries each pending eviction once more; those that still fail are
	 * dropped. Runs once, whether called by the lifecycle or by {@link #destroy()}.
	 */
	@Override
	public void stop() {
		this.running = false;
		if (!this.stopped.compareAndSet(false, true)) {
			return;
		}
		this.scheduler.shutdownNow();
		awaitAttemptInProgress();
		this.finalAttemptsStarted = true;
		int dropped = 0;
		for (Pending pending : this.deadlines.keySet()) {
			// Removing claims the key: a concurrent schedule() cannot attempt it too.
			if (this.deadlines.remove(pending) != null && !evicts(pending)) {
				dropped++;
			}
		}
		if (dropped > 0) {
			this.droppedOnShutdown.increment(dropped);
			logger.warn(dropped + " pending cache eviction(s) failed at shutdown and were dropped;"
					+ " their old entries may be served until their TTLs end");
		}
	}

	private void awaitAttemptInProgress() {
		try {
			this.scheduler.awaitTermination(ATTEMPT_IN_PROGRESS_WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Makes the final attempts when the lifecycle did not stop this (a context that never
	 * started, or a test).
	 */
	@Override
	public void destroy() {
		stop();
	}

	private record Pending(Cache cache, Object key) {

	}

	/**
	 * When to give up on a key. Compared by identity, not value: a key queued again must
	 * be told apart even when the ticker has not moved between the two calls.
	 */
	private static final class Deadline {

		private final long nanos;

		Deadline(long nanos) {
			this.nanos = nanos;
		}

		boolean hasPassed(long now) {
			return now - this.nanos >= 0;
		}

	}

}
