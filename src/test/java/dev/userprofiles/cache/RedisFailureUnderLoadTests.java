package dev.userprofiles.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ProfileLoads;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.profile.ProfileCache;
import io.lettuce.core.cluster.SlotHash;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis failing while requests keep coming: the master that owns the hot keys dies, or
 * every node does. No request may fail or hang, and the service must not pay a Redis
 * timeout per request during an outage: its p99 is compared with that of an instance
 * without a cache, measured in the same seconds with the requests interleaved.
 */
class RedisFailureUnderLoadTests {

	private static final Log logger = LogFactory.getLog(RedisFailureUnderLoadTests.class);

	private static final int CLIENTS = 8;

	private static final ApiClient http = new ApiClient();

	private static final TestInfrastructure infrastructure = TestInfrastructure.get();

	private static ServiceInstance cached;

	private static ServiceInstance uncached;

	@BeforeAll
	static void startInstances() {
		cached = CacheConfigurations.leased();
		uncached = CacheConfigurations.leased("spring.cache.type=none");
	}

	@AfterAll
	static void stopInstances() {
		ServiceInstance.closeAll(cached, uncached);
	}

	@Test
	void masterOfTheHotKeysDiesUnderLoadWithoutAFailedRequest() throws Exception {
		List<Long> hot = profilesOnOneMaster(20);
		int master = masterIndexOf(hot.get(0));
		hot.forEach((id) -> assertThat(http.get(cached.url("/users/" + id)).status()).isEqualTo(200));
		ProfileLoads loads = cached.bean(ProfileLoads.class);

		try (Load load = Load.start(List.of(cached), hot)) {
			List<long[]> samples = new ArrayList<>();
			sampleFor(Duration.ofSeconds(2), load, loads, samples);
			long killedAt = System.nanoTime();
			infrastructure.stopRedisNode(master);
			// Watch until the hit ratio has stayed above 90% for 3 s, 40 s at most.
			long recoveredAt = -1;
			long deadline = killedAt + Duration.ofSeconds(40).toNanos();
			while (System.nanoTime() - deadline < 0) {
				long[] sample = sample(load, loads);
				long[] previous = samples.get(samples.size() - 1);
				samples.add(sample);
				if (hitRatio(previous, sample) < 0.9) {
					recoveredAt = -1;
				}
				else if (recoveredAt < 0) {
					recoveredAt = previous[0];
				}
				else if (sample[0] - recoveredAt > Duration.ofSeconds(3).toNanos()) {
					break;
				}
			}
			Load.Result result = load.stop();
			logger.info("MEASURED master failover under load: " + result.requests() + " requests, " + result.failed()
					+ " failed; hit ratio back above 90% "
					+ ((recoveredAt < 0) ? "never" : (recoveredAt - killedAt) / 1_000_000 + " ms")
					+ " after the master was stopped; lowest 250 ms hit ratio " + lowestHitRatio(samples));
			assertThat(result.failed()).as("failed requests: " + result.failures()).isZero();
			assertThat(recoveredAt).as("hit ratio back above 90%").isPositive();
		}
		finally {
			infrastructure.startRedisNode(master);
			infrastructure.awaitHealthyCluster();
		}
	}

	@Test
	void allRedisNodesDownUnderLoadCostsNoMoreThanNoCache() throws Exception {
		List<Long> ids = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			ids.add(createProfile());
		}
		ids.forEach((id) -> http.get(cached.url("/users/" + id)));
		Load.Result outage;
		try (Load load = Load.start(List.of(cached, uncached), ids)) {
			sleep(Duration.ofSeconds(1));
			infrastructure.stopAllRedisNodes();
			try {
				// Detection: the breaker opens after a few failed calls.
				sleep(Duration.ofMillis(1500));
				load.startMeasuring();
				sleep(Duration.ofSeconds(6));
				assertThat(breakerState(cached)).isEqualTo("open");
				outage = load.stop();
			}
			finally {
				infrastructure.startAllRedisNodes();
			}
		}
		long cachedP99 = outage.p99Micros(cached);
		long uncachedP99 = outage.p99Micros(uncached);
		logger.info("MEASURED all Redis nodes down under load: " + outage.requests() + " requests, " + outage.failed()
				+ " failed; p99 during the outage " + cachedP99 + " us, without a cache " + uncachedP99 + " us (ratio "
				+ String.format("%.2f", (double) cachedP99 / uncachedP99) + ")");
		assertThat(outage.failed()).as("failed requests: " + outage.failures()).isZero();
		assertThat(cachedP99).as("p99 (us) during the outage, vs. no cache").isLessThanOrEqualTo(2 * uncachedP99);

		// Caching resumes by itself: a read served without touching the database.
		ProfileLoads loads = cached.bean(ProfileLoads.class);
		long id = ids.get(0);
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		boolean hit = false;
		while (!hit && System.nanoTime() - deadline < 0) {
			http.get(cached.url("/users/" + id));
			int before = loads.loadsOf(id);
			assertThat(http.get(cached.url("/users/" + id)).status()).isEqualTo(200);
			hit = loads.loadsOf(id) == before;
			sleep(Duration.ofMillis(250));
		}
		assertThat(hit).as("served from the cache again after Redis returned").isTrue();
		// Writes are acknowledged again too (createProfile waits for that).
		assertThat(createProfile()).isPositive();
	}

	/**
	 * Creates a profile; right after an outage a write may answer 503 (its invalidation
	 * unconfirmed while Lettuce reconnects), so it is tried again for up to 30 s.
	 */
	private static long createProfile() {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (true) {
			String username = "load" + System.nanoTime();
			ApiClient.Response created = http.post(cached.url("/users"), ApiClient.profileJson(username, "Load"));
			if (created.status() != 503 || System.nanoTime() - deadline >= 0) {
				assertThat(created.status()).isEqualTo(201);
				return created.id();
			}
			sleep(Duration.ofMillis(250));
		}
	}

	private static List<Long> profilesOnOneMaster(int count) {
		List<Long> ids = new ArrayList<>();
		int master = -1;
		while (ids.size() < count) {
			long id = createProfile();
			int owner = masterIndexOf(id);
			if (master < 0) {
				master = owner;
			}
			if (owner == master) {
				ids.add(id);
			}
		}
		return ids;
	}

	private static int masterIndexOf(long id) {
		byte[] key = RedisKeysOf.users(id);
		try (RedisClusterConnection connection = cached.bean(RedisConnectionFactory.class).getClusterConnection()) {
			RedisClusterNode owner = connection.clusterGetNodeForSlot(SlotHash.getSlot(key));
			for (int i = 0; i < infrastructure.redisNodes().size(); i++) {
				if (infrastructure.redisNodes().get(i).getPort() == owner.getPort()) {
					return i;
				}
			}
			throw new IllegalStateException("No test node matches " + owner);
		}
	}

	private static String breakerState(ServiceInstance instance) {
		return instance.bean(MeterRegistry.class)
			.find("cache.breaker.state")
			.gauges()
			.stream()
			.filter((gauge) -> gauge.value() == 1)
			.map((gauge) -> gauge.getId().getTag("state"))
			.findFirst()
			.orElse("none");
	}

	private static void sampleFor(Duration duration, Load load, ProfileLoads loads, List<long[]> samples) {
		long end = System.nanoTime() + duration.toNanos();
		samples.add(sample(load, loads));
		while (System.nanoTime() - end < 0) {
			samples.add(sample(load, loads));
		}
	}

	/** Waits 250 ms, then returns {time, requests so far, database loads so far}. */
	private static long[] sample(Load load, ProfileLoads loads) {
		sleep(Duration.ofMillis(250));
		return new long[] { System.nanoTime(), load.requests(), loads.loads() };
	}

	private static double hitRatio(long[] from, long[] to) {
		long requests = to[1] - from[1];
		return (requests == 0) ? 0 : 1 - (double) (to[2] - from[2]) / requests;
	}

	private static String lowestHitRatio(List<long[]> samples) {
		double lowest = 1;
		// A window can count loads of requests that complete in the next one: floor at 0.
		for (int i = 1; i < samples.size(); i++) {
			lowest = Math.min(lowest, hitRatio(samples.get(i - 1), samples.get(i)));
		}
		return String.format("%.2f", Math.max(0, lowest));
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The cache key of a profile, as the service writes it. */
	private static final class RedisKeysOf {

		static byte[] users(long id) {
			return ("profiles:" + ProfileCache.NAME + "::" + id).getBytes();
		}

	}

	/**
	 * Closed-loop load: {@link #CLIENTS} threads each send GETs for random ids, one after
	 * another, alternating between the instances; it stops by itself after two minutes.
	 */
	private static final class Load implements AutoCloseable {

		private final List<ServiceInstance> instances;

		private final List<Long> ids;

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final LongAdder requests = new LongAdder();

		private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

		private final ConcurrentLinkedQueue<long[]> measured = new ConcurrentLinkedQueue<>();

		private volatile boolean measuring;

		private final ExecutorService executor = Executors.newFixedThreadPool(CLIENTS);

		private final List<Future<?>> clients = new ArrayList<>();

		private Load(List<ServiceInstance> instances, List<Long> ids) {
			this.instances = instances;
			this.ids = ids;
		}

		static Load start(List<ServiceInstance> instances, List<Long> ids) {
			Load load = new Load(instances, ids);
			long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
			for (int i = 0; i < CLIENTS; i++) {
				int client = i;
				load.clients.add(load.executor.submit(() -> load.run(client, end)));
			}
			return load;
		}

		private void run(int client, long end) {
			int turn = client;
			while (this.running.get() && System.nanoTime() - end < 0) {
				int instance = turn++ % this.instances.size();
				long id = this.ids.get(ThreadLocalRandom.current().nextInt(this.ids.size()));
				ApiClient.Response result = http.get(this.instances.get(instance).url("/users/" + id));
				this.requests.increment();
				if (result.status() != 200) {
					this.failures.add(result.status() + " " + result.body());
				}
				if (this.measuring) {
					this.measured.add(new long[] { instance, result.nanos() / 1000 });
				}
			}
		}

		void startMeasuring() {
			this.measuring = true;
		}

		long requests() {
			return this.requests.sum();
		}

		Result stop() throws Exception {
			this.running.set(false);
			for (Future<?> client : this.clients) {
				client.get(30, TimeUnit.SECONDS);
			}
			return new Result(this.instances, this.requests.sum(), List.copyOf(this.failures),
					List.copyOf(this.measured));
		}

		@Override
		public void close() {
			this.running.set(false);
			this.executor.shutdownNow();
		}

		record Result(List<ServiceInstance> instances, long requests, List<String> failures, List<long[]> measured) {

			long failed() {
				return this.failures.size();
			}

			long p99Micros(ServiceInstance instance) {
				int index = this.instances.indexOf(instance);
				long[] latencies = this.measured.stream()
					.filter((sample) -> sample[0] == index)
					.mapToLong((sample) -> sample[1])
					.toArray();
				assertThat(latencies).as("measured requests").hasSizeGreaterThan(100);
				Arrays.sort(latencies);
				return latencies[(int) Math.ceil(latencies.length * 0.99) - 1];
			}

		}

	}

}
