package dev.userprofiles.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hot key that is missing and hundreds of requests for it at once, on two instances:
 * the service loads it from Postgres once; the textbook configuration once per request
 * that arrives before the first load finished. Each load takes 200 ms here (a slow
 * query), so that all requests really overlap.
 */
class StampedeTests {

	private static final Log logger = LogFactory.getLog(StampedeTests.class);

	private static final int REQUESTS = 200;

	private static final ApiClient http = new ApiClient();

	private static final List<ServiceInstance> leased = new ArrayList<>();

	private static final List<ServiceInstance> textbook = new ArrayList<>();

	@BeforeAll
	static void startInstances() {
		for (int i = 0; i < 2; i++) {
			leased.add(CacheConfigurations.leased());
			textbook.add(CacheConfigurations.textbook());
		}
	}

	@AfterAll
	static void stopInstances() {
		leased.forEach(ServiceInstance::close);
		textbook.forEach(ServiceInstance::close);
	}

	@AfterEach
	void noSlowQueries() {
		leased.forEach((instance) -> loads(instance).delayEveryLoadBy(Duration.ZERO));
		textbook.forEach((instance) -> loads(instance).delayEveryLoadBy(Duration.ZERO));
	}

	@Test
	void concurrentMissesOnTwoInstancesLoadTheKeyOnce() throws Exception {
		long id = createProfile(leased.get(0));
		leased.forEach((instance) -> loads(instance).delayEveryLoadBy(Duration.ofMillis(200)));

		List<ApiClient.Response> results = getAtOnce(id, leased);

		assertThat(results).allSatisfy((result) -> {
			assertThat(result.status()).isEqualTo(200);
			assertThat(result.version()).isEqualTo(1);
		});
		int loads = loadsOf(id, leased);
		logger.info("MEASURED stampede: " + REQUESTS + " concurrent misses on 2 instances, leases: " + loads
				+ " database load(s); slowest answer " + slowestMillis(results) + " ms");
		assertThat(loads).as("database loads of the hot key").isEqualTo(1);
		assertThat(leased.stream().mapToDouble((instance) -> leaseWaits(instance, "hit")).sum())
			.as("requests that waited for the fill and then read it from Redis")
			.isPositive();
	}

	@Test
	void concurrentReadsOfAMissingProfileLoadItOnce() throws Exception {
		long id = createProfile(leased.get(0));
		assertThat(http.delete(leased.get(0).url("/users/" + id)).status()).isEqualTo(204);
		leased.forEach((instance) -> loads(instance).delayEveryLoadBy(Duration.ofMillis(200)));

		List<ApiClient.Response> results = getAtOnce(id, leased);

		assertThat(results).allSatisfy((result) -> assertThat(result.status()).isEqualTo(404));
		assertThat(loadsOf(id, leased)).as("database loads of the missing profile").isEqualTo(1);
	}

	@Test
	void textbookConcurrentMissesLoadTheKeyOncePerRequest() throws Exception {
		long id = createProfile(textbook.get(0));
		textbook.forEach((instance) -> loads(instance).delayEveryLoadBy(Duration.ofMillis(200)));

		List<ApiClient.Response> results = getAtOnce(id, textbook);

		// Not asserted: with that many loads at once the connection pools may run dry
		// (503).
		long failed = results.stream().filter(ApiClient.Response::failed).count();
		int loads = loadsOf(id, textbook);
		logger.info("MEASURED stampede: " + REQUESTS + " concurrent misses on 2 instances, textbook: " + loads
				+ " database load(s), " + failed + " failed; slowest answer " + slowestMillis(results) + " ms");
		assertThat(loads).as("textbook database loads of the hot key").isGreaterThan(10);
	}

	@Test
	void whenTheFillingInstanceDiesMidLoadTheOthersProceedAfterABoundedWait() throws Exception {
		ServiceInstance holder = leased.get(0);
		ServiceInstance other = leased.get(1);
		long id = createProfile(holder);
		// The holder takes the lease, reads the row and freezes: its lease is never
		// released, as when its process dies.
		ProfileLoads.Pause frozen = loads(holder).pauseNextLoadOf(id);
		ExecutorService executor = Executors.newSingleThreadExecutor();
		Future<ApiClient.Response> holderRead = executor.submit(() -> http.get(holder.url("/users/" + id)));
		try {
			frozen.awaitLoaded();

			List<ApiClient.Response> results = getAtOnce(id, List.of(other));

			assertThat(results).allSatisfy((result) -> {
				assertThat(result.status()).isEqualTo(200);
				assertThat(result.version()).isEqualTo(1);
			});
			long slowest = slowestMillis(results);
			logger.info("MEASURED dead fill holder: " + REQUESTS + " requests on the other instance all 200, "
					+ "slowest " + slowest + " ms (max-load 3 s + lease 2 s), database loads there: "
					+ loads(other).loadsOf(id));
			// The holder's process lives on and extends its lease for max-load, then the
			// lease lapses within its TTL and one waiter takes over.
			ProfileCacheProperties.Lease lease = other.bean(ProfileCacheProperties.class).lease();
			assertThat(slowest).as("longest wait (ms)")
				.isLessThan(lease.maxLoad().plus(lease.ttl()).plusMillis(1_500).toMillis());
			assertThat(loads(other).loadsOf(id)).as("loads after the lease expired").isEqualTo(1);
		}
		finally {
			frozen.release();
			assertThat(holderRead.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
			executor.shutdown();
		}
	}

	@Test
	void aLoadSlowerThanTheLeaseKeepsItsLeaseAndIsNotRepeated() throws Exception {
		ServiceInstance holder = leased.get(0);
		ServiceInstance other = leased.get(1);
		long id = createProfile(holder);
		ProfileCacheProperties.Lease lease = holder.bean(ProfileCacheProperties.class).lease();
		// Longer than the lease TTL, shorter than max-load: only extension keeps the
		// lease.
		Duration slowLoad = lease.ttl().plus(lease.maxLoad()).dividedBy(2);
		ProfileLoads.Pause slow = loads(holder).pauseNextLoadOf(id);
		ExecutorService executor = Executors.newFixedThreadPool(2);
		try {
			Future<ApiClient.Response> holderRead = executor.submit(() -> http.get(holder.url("/users/" + id)));
			slow.awaitLoaded();
			double waits = leaseWaits(other, "hit");
			Future<ApiClient.Response> otherRead = executor.submit(() -> http.get(other.url("/users/" + id)));
			TimeUnit.NANOSECONDS.sleep(slowLoad.toNanos());
			slow.release();

			assertThat(holderRead.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
			assertThat(otherRead.get(10, TimeUnit.SECONDS).version()).isEqualTo(1);
			assertThat(leaseWaits(other, "hit") - waits).as("waits that ended reading the holder's fill").isEqualTo(1);
			assertThat(loadsOf(id, leased)).as("database loads of the slowly loaded key").isEqualTo(1);
		}
		finally {
			slow.release();
			executor.shutdown();
		}
	}

	/** Sends {@link #REQUESTS} GETs for {@code id} at once, spread over the instances. */
	private static List<ApiClient.Response> getAtOnce(long id, List<ServiceInstance> instances) throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(REQUESTS);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<ApiClient.Response>> futures = new ArrayList<>();
			for (int i = 0; i < REQUESTS; i++) {
				ServiceInstance instance = instances.get(i % instances.size());
				futures.add(executor.submit(() -> {
					start.await();
					return http.get(instance.url("/users/" + id));
				}));
			}
			start.countDown();
			List<ApiClient.Response> results = new ArrayList<>();
			for (Future<ApiClient.Response> future : futures) {
				results.add(future.get(30, TimeUnit.SECONDS));
			}
			return results;
		}
		finally {
			executor.shutdownNow();
		}
	}

	private static long createProfile(ServiceInstance instance) {
		String username = "hot" + System.nanoTime();
		ApiClient.Response created = http.post(instance.url("/users"), ApiClient.profileJson(username, "Hot"));
		assertThat(created.status()).isEqualTo(201);
		return created.id();
	}

	private static int loadsOf(long id, List<ServiceInstance> instances) {
		return instances.stream().mapToInt((instance) -> loads(instance).loadsOf(id)).sum();
	}

	private static ProfileLoads loads(ServiceInstance instance) {
		return instance.bean(ProfileLoads.class);
	}

	private static double leaseWaits(ServiceInstance instance, String result) {
		return CacheConfigurations.usersCount(instance, "cache.lease.waits", result);
	}

	private static long slowestMillis(List<ApiClient.Response> results) {
		return results.stream().mapToLong(ApiClient.Response::nanos).max().orElseThrow() / 1_000_000;
	}

}
