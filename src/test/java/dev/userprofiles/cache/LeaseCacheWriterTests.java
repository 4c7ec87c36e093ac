package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.profile.ProfileCache;
import dev.userprofiles.profile.UserProfile;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.data.redis.cache.RedisCacheWriter;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.serializer.RedisSerializer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lease writer alone against the real Redis Cluster, as the service's Redis user: no
 * Spring context, no HTTP, no database. Each race of the class description is forced step
 * by step; {@code StaleSetTests} and {@code StampedeTests} prove the same through the
 * whole service.
 */
class LeaseCacheWriterTests {

	private static final String CACHE = "writer-tests";

	private static final Duration TTL = Duration.ofMinutes(1);

	private static final RedisSerializer<UserProfile> PROFILES = new ProfileCache().serializer(ValueFormat.PROTOBUF);

	private static LettuceConnectionFactory connectionFactory;

	private static LeaseKeeper keeper;

	private static LeaseCacheWriter writer;

	@BeforeAll
	static void connect() {
		connectionFactory = TestInfrastructure.get().serviceRedisConnectionFactory();
		keeper = new LeaseKeeper(Duration.ofSeconds(2), Duration.ofSeconds(3));
		writer = writer(CircuitBreaker.ofDefaults("writer-tests"), new SimpleMeterRegistry());
	}

	private static LeaseCacheWriter writer(CircuitBreaker breaker, MeterRegistry meters) {
		return new LeaseCacheWriter(
				RedisCacheWriter.create(connectionFactory, (configurer) -> configurer.immediateWrites()),
				new CacheRedis(connectionFactory, breaker, meters),
				new CacheFailures(provider(meters), Duration.ofSeconds(10)), meters, Duration.ofSeconds(2),
				Duration.ofSeconds(6), keeper, CacheTracing.NONE, null, null);
	}

	@AfterAll
	static void disconnect() {
		if (keeper != null) {
			keeper.close();
		}
		if (connectionFactory != null) {
			connectionFactory.destroy();
		}
	}

	@Test
	void concurrentMissesLoadOnceAndAllGetTheValue() throws Exception {
		byte[] key = key();
		byte[] loaded = PROFILES.serialize(profile(1));
		AtomicInteger loads = new AtomicInteger();
		CountDownLatch allAsked = new CountDownLatch(20);
		ExecutorService readers = Executors.newFixedThreadPool(20);
		try {
			List<Future<byte[]>> reads = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				reads.add(readers.submit(() -> {
					allAsked.countDown();
					allAsked.await(5, TimeUnit.SECONDS);
					return writer.get(CACHE, key, () -> {
						loads.incrementAndGet();
						sleep(200);
						return loaded;
					}, TTL, false);
				}));
			}
			for (Future<byte[]> read : reads) {
				assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(loaded);
			}
		}
		finally {
			readers.shutdownNow();
		}
		assertThat(loads).as("loads of one missing key by 20 concurrent readers").hasValue(1);
	}

	@Test
	void aFillThatLoadedBeforeAnInvalidationIsRefused() {
		byte[] key = key();
		byte[] old = PROFILES.serialize(profile(1));

		// The loader read version 1; a write commits version 2 and invalidates before
		// the fill stores what the loader returns.
		byte[] served = writer.get(CACHE, key, () -> {
			writer.evict(CACHE, key);
			return old;
		}, TTL, false);

		assertThat(served).as("the loader's value is still this request's answer").isEqualTo(old);
		assertThat(writer.get(CACHE, key)).as("what the cache holds after the refused fill").isNull();
	}

	@Test
	void aPutReplacesOnlyAnOlderVersionInEitherOrder() {
		byte[] key = key();
		writer.get(CACHE, key, () -> PROFILES.serialize(profile(2)), TTL, false);

		writer.put(CACHE, key, PROFILES.serialize(profile(1)), TTL);
		assertThat(PROFILES.deserialize(writer.get(CACHE, key)).version()).as("after a late put of version 1")
			.isEqualTo(2);

		writer.put(CACHE, key, PROFILES.serialize(profile(3)), TTL);
		assertThat(PROFILES.deserialize(writer.get(CACHE, key)).version()).as("after a put of version 3").isEqualTo(3);
	}

	@Test
	void aPutStoresNothingWhereThereIsNoEntry() {
		byte[] key = key();

		writer.put(CACHE, key, PROFILES.serialize(profile(5)), TTL);

		assertThat(writer.get(CACHE, key)).as("an expired or evicted key cannot tell how new a put is").isNull();
	}

	@Test
	void aPutRefusesAFillInFlight() throws Exception {
		byte[] key = key();
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch written = new CountDownLatch(1);
		ExecutorService reader = Executors.newSingleThreadExecutor();
		try {
			Future<byte[]> read = reader.submit(() -> writer.get(CACHE, key, () -> {
				loading.countDown();
				await(written);
				return PROFILES.serialize(profile(1));
			}, TTL, false));
			assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();

			// No entry yet, so the put stores nothing, but it takes the lease away.
			writer.put(CACHE, key, PROFILES.serialize(profile(2)), TTL);
			written.countDown();
			read.get(10, TimeUnit.SECONDS);
		}
		finally {
			reader.shutdownNow();
		}

		assertThat(writer.get(CACHE, key)).as("what the cache holds after the fill of version 1").isNull();
	}

	@Test
	void whileTheBreakerIsOpenReadsSkipRedisAndInvalidationsStillReachIt() {
		byte[] key = key();
		byte[] cached = PROFILES.serialize(profile(1));
		writer.get(CACHE, key, () -> cached, TTL, false);
		CircuitBreaker breaker = CircuitBreaker.ofDefaults("open-breaker");
		MeterRegistry meters = new SimpleMeterRegistry();
		LeaseCacheWriter guarded = writer(breaker, meters);
		breaker.transitionToForcedOpenState();
		byte[] loaded = PROFILES.serialize(profile(2));

		byte[] served = guarded.get(CACHE, key, () -> loaded, TTL, false);
		guarded.evict(CACHE, key);

		assertThat(served).as("a read while the breaker is open: the loader's, not the cached version 1")
			.isEqualTo(loaded);
		assertThat(writer.get(CACHE, key)).as("the entry after an invalidation while the breaker is open").isNull();
		assertThat(failures(meters, "read", "refused")).as("reads refused by the breaker").isEqualTo(1);
		assertThat(failures(meters, "read", "error")).as("reads that failed").isZero();
		assertThat(failures(meters, "invalidate", "refused")).as("invalidations refused").isZero();
		assertThat(failures(meters, "invalidate", "error")).as("invalidations that failed").isZero();
	}

	private static double failures(MeterRegistry meters, String operation, String reason) {
		return meters.get("cache.redis.failures").tag("operation", operation).tag("reason", reason).counter().count();
	}

	/** Meters for the failure counts. */
	private static ObjectProvider<MeterRegistry> provider(MeterRegistry meters) {
		StaticListableBeanFactory beans = new StaticListableBeanFactory();
		beans.addBean("meters", meters);
		return beans.getBeanProvider(MeterRegistry.class);
	}

	private static byte[] key() {
		return ("lease-writer-tests::" + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
	}

	private static UserProfile profile(long version) {
		Instant now = Instant.parse("2026-12-07T12:00:00Z");
		return new UserProfile(42, "ada", "ada@example.com", "Ada", null, null, null, now, now, version);
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
