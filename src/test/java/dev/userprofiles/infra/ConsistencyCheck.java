package dev.userprofiles.infra;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One bounded consistency check against running instances of the service (their base
 * URLs): writers update a few hot profiles, a deleter removes others, and readers hammer
 * all of them through any instance. Every acknowledged write is recorded with its
 * version; a read that started after an acknowledgment must return that version or a
 * newer one, and a profile whose deletion was acknowledged must never come back. Used by
 * {@code ConsistencyCheckerTests} and by the benchmark's eviction lever.
 */
public final class ConsistencyCheck {

	/** How long a check runs unless told otherwise. */
	public static final Duration DEFAULT_RUN = Duration.ofSeconds(8);

	private static final int HOT_PROFILES = 6;

	private static final int DOOMED_PROFILES = 30;

	private static final int WRITERS = 3;

	private static final int READERS = 6;

	private static final ApiClient http = new ApiClient();

	private final List<String> baseUrls;

	private Duration length = DEFAULT_RUN;

	private final Map<Long, AtomicLong> acknowledgedVersions = new ConcurrentHashMap<>();

	private final Map<Long, AtomicBoolean> acknowledgedDeletions = new ConcurrentHashMap<>();

	private final Map<Long, String> usernames = new ConcurrentHashMap<>();

	private final List<Long> hot = new ArrayList<>();

	private final List<Long> doomed = new ArrayList<>();

	private final LongAdder reads = new LongAdder();

	private final LongAdder writes = new LongAdder();

	private final LongAdder deletes = new LongAdder();

	private final LongAdder failed = new LongAdder();

	private final LongAdder staleReads = new LongAdder();

	private final LongAdder resurrections = new LongAdder();

	public ConsistencyCheck(List<String> baseUrls) {
		this.baseUrls = baseUrls;
	}

	/**
	 * Creates the profiles, then runs readers, writers and the deleter for {@code length}
	 * while {@code disturbance} runs beside them.
	 */
	public Report run(Runnable disturbance) throws Exception {
		return run(disturbance, DEFAULT_RUN);
	}

	public Report run(Runnable disturbance, Duration length) throws Exception {
		for (int i = 0; i < HOT_PROFILES + DOOMED_PROFILES; i++) {
			long id = create();
			((i < HOT_PROFILES) ? this.hot : this.doomed).add(id);
		}
		this.length = length;
		long deadline = System.nanoTime() + length.toNanos();
		ExecutorService executor = Executors.newFixedThreadPool(WRITERS + READERS + 2);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int i = 0; i < WRITERS; i++) {
				workers.add(executor.submit(() -> write(deadline)));
			}
			for (int i = 0; i < READERS; i++) {
				workers.add(executor.submit(() -> read(deadline)));
			}
			workers.add(executor.submit(() -> delete(deadline)));
			workers.add(executor.submit(disturbance));
			for (Future<?> worker : workers) {
				worker.get(length.toSeconds() + 60, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		return new Report(this.reads.sum(), this.writes.sum(), this.deletes.sum(), this.failed.sum(),
				this.staleReads.sum(), this.resurrections.sum());
	}

	private long create() {
		String username = "cc" + System.nanoTime();
		ApiClient.Response created = http.post(instance() + "/users", ApiClient.profileJson(username, "Created"));
		// 503: saved, not yet confirmed everywhere (Redis full, failing over); the same
		// username then conflicts, so retry with a new one.
		for (int retry = 0; created.status() == 503 && retry < 5 && sleep(200); retry++) {
			username = "cc" + System.nanoTime();
			created = http.post(instance() + "/users", ApiClient.profileJson(username, "Created"));
		}
		if (created.status() != 201) {
			throw new IllegalStateException("POST /users answered " + created.status() + ": " + created.body());
		}
		long id = created.id();
		this.usernames.put(id, username);
		this.acknowledgedVersions.put(id, new AtomicLong(created.version()));
		this.acknowledgedDeletions.put(id, new AtomicBoolean());
		return id;
	}

	private void write(long deadline) {
		while (System.nanoTime() - deadline < 0) {
			long id = pick(this.hot);
			ApiClient.Response result = http.put(instance() + "/users/" + id,
					ApiClient.profileJson(this.usernames.get(id), "Name " + System.nanoTime()));
			if (result.status() == 200) {
				this.acknowledgedVersions.get(id).accumulateAndGet(result.version(), Math::max);
				this.writes.increment();
			}
			else {
				this.failed.increment();
			}
		}
	}

	private void delete(long deadline) {
		long pause = this.length.toMillis() / (DOOMED_PROFILES + 1);
		for (long id : this.doomed) {
			if (System.nanoTime() - deadline >= 0 || !sleep(pause)) {
				return;
			}
			ApiClient.Response result = http.delete(instance() + "/users/" + id);
			if (result.status() == 204) {
				this.acknowledgedDeletions.get(id).set(true);
				this.deletes.increment();
			}
			else {
				this.failed.increment();
			}
		}
	}

	private void read(long deadline) {
		while (System.nanoTime() - deadline < 0) {
			long id = ThreadLocalRandom.current().nextBoolean() ? pick(this.hot) : pick(this.doomed);
			// What was acknowledged before this read started.
			long atLeast = this.acknowledgedVersions.get(id).get();
			boolean deleted = this.acknowledgedDeletions.get(id).get();
			ApiClient.Response result = http.get(instance() + "/users/" + id);
			this.reads.increment();
			if (result.failed()) {
				this.failed.increment();
			}
			else if (result.status() == 200 && deleted) {
				this.resurrections.increment();
			}
			else if (result.status() == 200 && result.version() < atLeast) {
				this.staleReads.increment();
			}
		}
	}

	private String instance() {
		return this.baseUrls.get(ThreadLocalRandom.current().nextInt(this.baseUrls.size()));
	}

	private static long pick(List<Long> ids) {
		return ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
	}

	private static boolean sleep(long millis) {
		try {
			Thread.sleep(millis);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * What a check saw.
	 *
	 * @param staleReads reads older than a write acknowledged before they started
	 * @param resurrections deleted profiles served after their deletion was acknowledged
	 */
	public record Report(long reads, long writes, long deletes, long failed, long staleReads, long resurrections) {

		/** Stale reads and deleted profiles served. */
		public long violations() {
			return this.staleReads + this.resurrections;
		}

		@Override
		public String toString() {
			return this.reads + " reads, " + this.writes + " updates, " + this.deletes + " deletes acknowledged, "
					+ this.failed + " failed; violations: " + this.staleReads + " stale reads, " + this.resurrections
					+ " deleted profiles served";
		}

	}

}
