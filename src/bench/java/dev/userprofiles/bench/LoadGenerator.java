package dev.userprofiles.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * Sends {@code GET /users/{id}} (and, for a share of requests, {@code PUT /users/{id}})
 * over a fixed number of keep-alive connections, one thread each, and records latencies
 * in microseconds.
 * <ul>
 * <li>{@link #closedLoop closed loop}: each connection sends its next request as soon as
 * the previous one is answered; the throughput is what the service sustains.</li>
 * <li>{@link #fixedRate fixed rate}: requests are due at fixed intervals, and a latency
 * is measured from when the request was due, not from when it was sent: a stall delays
 * the requests queued behind it and they count it (no coordinated omission, as in
 * wrk2).</li>
 * </ul>
 */
final class LoadGenerator {

	/** Highest latency recorded: one minute, in microseconds. */
	private static final long MAX_MICROS = 60_000_000;

	private final int port;

	private final IdSampler ids;

	private final double writeShare;

	private final long seed;

	/**
	 * Every run draws the same ids in the same order: scenarios compared in one benchmark
	 * get the same requests.
	 * @param port the service's HTTP port on 127.0.0.1
	 * @param ids which profiles to ask for
	 * @param writeShare share of requests that replace a profile (0 for reads only)
	 */
	LoadGenerator(int port, IdSampler ids, double writeShare) {
		this(port, ids, writeShare, 0x5eed);
	}

	/**
	 * @param seed of the connections' random ids: a run that must not replay the ids of
	 * its warm-up (a hit ratio) needs another
	 */
	LoadGenerator(int port, IdSampler ids, double writeShare, long seed) {
		this.port = port;
		this.ids = ids;
		this.writeShare = writeShare;
		this.seed = seed;
	}

	Run closedLoop(int connections, Duration duration) {
		return run(connections, duration, 0);
	}

	Run fixedRate(int connections, double requestsPerSecond, Duration duration) {
		return run(connections, duration, requestsPerSecond);
	}

	private Run run(int connections, Duration duration, double rate) {
		long nanos = duration.toNanos();
		List<Worker> workers = new ArrayList<>();
		for (int i = 0; i < connections; i++) {
			int index = i;
			workers.add(new Worker(i) {

				@Override
				void work(long deadline) {
					if (rate <= 0) {
						while (System.nanoTime() < deadline) {
							request(nextId(), nextIsWrite(), System.nanoTime());
						}
						return;
					}
					// Each connection carries rate/connections requests per second,
					// staggered so that together they arrive evenly.
					double interval = connections * 1e9 / rate;
					long start = deadline - nanos;
					long latest = deadline + nanos; // a service far behind: give up then
					for (long k = 0;; k++) {
						long due = start + (long) ((k + (double) index / connections) * interval);
						if (due >= deadline) {
							return;
						}
						long now;
						while ((now = System.nanoTime()) < due) {
							LockSupport.parkNanos(due - now);
						}
						if (now > latest) {
							this.unsent += (long) ((deadline - due) / interval) + 1;
							return;
						}
						request(nextId(), nextIsWrite(), due);
					}
				}

			});
		}
		return runAll(workers, nanos);
	}

	private Run runAll(List<Worker> workers, long nanos) {
		CountDownLatch done = new CountDownLatch(workers.size());
		long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
		long deadline = start + nanos;
		List<Thread> threads = new ArrayList<>();
		for (Worker worker : workers) {
			Thread thread = new Thread(() -> {
				try {
					while (System.nanoTime() < start) {
						Thread.onSpinWait();
					}
					worker.work(deadline);
				}
				finally {
					worker.connection.close();
					done.countDown();
				}
			}, "load-" + worker.index);
			thread.setDaemon(true);
			threads.add(thread);
			thread.start();
		}
		try {
			done.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while the load ran", ex);
		}
		long end = System.nanoTime();
		Histogram latency = new Histogram(MAX_MICROS, 3);
		long requests = 0;
		long writes = 0;
		long errors = 0;
		long unsent = 0;
		String firstError = null;
		for (Worker worker : workers) {
			latency.add(worker.latency);
			requests += worker.requests;
			writes += worker.writes;
			errors += worker.errors;
			unsent += worker.unsent;
			if (firstError == null) {
				firstError = worker.firstError;
			}
		}
		return new Run(requests, writes, errors, unsent, (end - start) / 1e9, latency, firstError);
	}

	/** What a run did: counts, wall time, and latencies in microseconds. */
	record Run(long requests, long writes, long errors, long unsent, double seconds, Histogram latency,
			String firstError) {

		double throughput() {
			return this.requests / this.seconds;
		}

	}

	private abstract class Worker {

		final int index;

		final HttpConnection connection = new HttpConnection(LoadGenerator.this.port);

		final SplittableRandom random;

		final Histogram latency = new Histogram(MAX_MICROS, 3);

		long requests;

		long writes;

		long errors;

		long unsent;

		String firstError;

		private long version;

		Worker(int index) {
			this.index = index;
			this.random = new SplittableRandom(LoadGenerator.this.seed + index);
		}

		abstract void work(long deadline);

		long nextId() {
			return LoadGenerator.this.ids.next(this.random);
		}

		boolean nextIsWrite() {
			return LoadGenerator.this.writeShare > 0 && this.random.nextDouble() < LoadGenerator.this.writeShare;
		}

		void request(long id, boolean write, long since) {
			int status;
			try {
				status = write ? this.connection.put("/users/" + id, BenchProfiles.replacement(id, ++this.version))
						: this.connection.get("/users/" + id);
			}
			catch (IOException | RuntimeException ex) {
				status = -1;
				if (this.firstError == null) {
					this.firstError = ex.toString();
				}
			}
			long micros = Math.max(1, (System.nanoTime() - since) / 1000);
			this.latency.recordValue(Math.min(micros, MAX_MICROS));
			this.requests++;
			if (write) {
				this.writes++;
			}
			if (status < 200 || status > 299) {
				this.errors++;
				if (this.firstError == null) {
					this.firstError = (write ? "PUT" : "GET") + " /users/" + id + " answered " + status;
				}
			}
		}

	}

}
