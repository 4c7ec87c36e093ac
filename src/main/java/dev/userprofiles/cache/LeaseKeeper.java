package dev.userprofiles.cache;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Extends the leases of this instance's running loads, so that a load slower than the
 * lease TTL keeps its lease: otherwise a waiter takes the lapsed lease and loads too, the
 * first load's fill is refused, and under a slow database every load is repeated.
 * <p>
 * Why this keeps the guarantees of {@link LeaseCacheWriter}: an extension only prolongs a
 * lease that still holds the loader's own token ({@code GET} equals token, then
 * {@code PEXPIRE}, in one script), so it never creates a lease, never prolongs another
 * loader's, and a lease deleted by a write stays deleted: the fill is still refused.
 * Leases lapse as before when the process dies (nothing extends them), when the load ends
 * (the holder stops extending before it fills or releases), and when a load runs past
 * {@code max-load} (a stuck thread or connection): then one waiter takes over.
 */
final class LeaseKeeper implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(LeaseKeeper.class);

	private final Set<Held> held = ConcurrentHashMap.newKeySet();

	private final Duration maxLoad;

	private final ScheduledExecutorService scheduler;

	/**
	 * @param ttl the lease TTL: leases are extended a third of it apart
	 * @param maxLoad how long after it was taken a lease is extended at most
	 */
	LeaseKeeper(Duration ttl, Duration maxLoad) {
		this.maxLoad = maxLoad;
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "lease-keeper");
			thread.setDaemon(true);
			return thread;
		});
		long every = Math.max(1, ttl.toMillis() / 3);
		this.scheduler.scheduleWithFixedDelay(this::extendAll, every, every, TimeUnit.MILLISECONDS);
	}

	/**
	 * Keeps a lease extended until the returned handle is closed or {@code max-load} has
	 * passed.
	 * @param extension extends the lease if it still holds the loader's token
	 */
	Held hold(Runnable extension) {
		Held lease = new Held(extension, System.nanoTime() + this.maxLoad.toNanos(), this.held);
		this.held.add(lease);
		return lease;
	}

	private void extendAll() {
		long now = System.nanoTime();
		for (Held lease : this.held) {
			if (now - lease.extendUntil >= 0) {
				this.held.remove(lease);
				continue;
			}
			try {
				lease.extension.run();
			}
			catch (RuntimeException ex) {
				// The lease may lapse: a waiter then loads, as without extension.
				logger.debug("Extending a lease failed", ex);
			}
		}
	}

	@Override
	public void close() {
		this.scheduler.shutdownNow();
	}

	/** A lease being extended; identity matters, not content. */
	static final class Held implements AutoCloseable {

		private final Runnable extension;

		private final long extendUntil;

		private final Set<Held> held;

		private Held(Runnable extension, long extendUntil, Set<Held> held) {
			this.extension = extension;
			this.extendUntil = extendUntil;
			this.held = held;
		}

		/**
		 * Stops extending; the holder then fills or releases the lease. An extension
		 * still running meanwhile is harmless: it finds the lease deleted by that fill or
		 * release, or prolongs the holder's own lease once more.
		 */
		@Override
		public void close() {
			this.held.remove(this);
		}

	}

}
