package dev.userprofiles.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ProfileLoads;
import dev.userprofiles.infra.ServiceInstance;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hot key that keeps expiring under load (TTL 1 s, no jitter): the miss spike that
 * probabilistic early refresh (XFetch) exists to flatten. Measured here to decide whether
 * it is worth adding: with leases each expiry costs one database load, and what remains
 * is the wait of the requests that arrive during that load.
 */
class HotKeyExpiryTests {

	private static final Log logger = LogFactory.getLog(HotKeyExpiryTests.class);

	private static final Duration RUN = Duration.ofSeconds(5);

	private static final int CLIENTS = 8;

	private static final ApiClient http = new ApiClient();

	private static ServiceInstance leased;

	private static ServiceInstance textbook;

	@BeforeAll
	static void startInstances() {
		String[] oneSecond = { "profiles.cache.caches.users.ttl=1s", "profiles.cache.ttl-jitter=0" };
		leased = CacheConfigurations.leased(oneSecond);
		textbook = CacheConfigurations.textbook(oneSecond);
	}

	@AfterAll
	static void stopInstances() {
		ServiceInstance.closeAll(leased, textbook);
	}

	@Test
	void eachExpiryOfAHotKeyCostsOneDatabaseLoad() throws Exception {
		Spike spike = hammer(leased);
		logger.info("MEASURED hot key expiring every 1 s under " + CLIENTS + " clients for " + RUN.toSeconds()
				+ " s, leases: " + spike);

		assertThat(spike.failed()).isZero();
		// One load per expiry: about one per second, never one per waiting request.
		assertThat(spike.loads()).isBetween(2, (int) RUN.toSeconds() + 2);
	}

	@Test
	void textbookExpiryOfAHotKeyIsLoadedByEveryRequestThatMissed() throws Exception {
		Spike spike = hammer(textbook);
		logger.info("MEASURED hot key expiring every 1 s under " + CLIENTS + " clients for " + RUN.toSeconds()
				+ " s, textbook: " + spike);

		assertThat(spike.failed()).isZero();
	}

	private static Spike hammer(ServiceInstance instance) throws Exception {
		String username = "expiring" + System.nanoTime();
		long id = http.post(instance.url("/users"), ApiClient.profileJson(username, "Hot")).id();
		http.get(instance.url("/users/" + id));
		ProfileLoads loads = instance.bean(ProfileLoads.class);
		int loadsBefore = loads.loadsOf(id);
		ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
		ConcurrentLinkedQueue<Integer> failures = new ConcurrentLinkedQueue<>();
		long end = System.nanoTime() + RUN.toNanos();
		ExecutorService executor = Executors.newFixedThreadPool(CLIENTS);
		try {
			List<Future<?>> clients = new ArrayList<>();
			for (int i = 0; i < CLIENTS; i++) {
				clients.add(executor.submit(() -> {
					while (System.nanoTime() - end < 0) {
						ApiClient.Response result = http.get(instance.url("/users/" + id));
						latencies.add(result.nanos() / 1000);
						if (result.status() != 200) {
							failures.add(result.status());
						}
					}
				}));
			}
			for (Future<?> client : clients) {
				client.get(RUN.toSeconds() + 30, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
		return new Spike(sorted.length, failures.size(), loads.loadsOf(id) - loadsBefore, percentile(sorted, 0.5),
				percentile(sorted, 0.99), sorted[sorted.length - 1]);
	}

	private static long percentile(long[] sorted, double p) {
		return sorted[(int) Math.ceil(sorted.length * p) - 1];
	}

	private record Spike(int requests, int failed, int loads, long p50Micros, long p99Micros, long maxMicros) {

		@Override
		public String toString() {
			return this.requests + " requests, " + this.failed + " failed, " + this.loads
					+ " database loads; latency p50 " + this.p50Micros + " us, p99 " + this.p99Micros + " us, max "
					+ this.maxMicros + " us";
		}

	}

}
