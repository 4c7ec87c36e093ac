package dev.userprofiles.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ProfileLoads;
import dev.userprofiles.infra.RedisKeys;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.profile.ProfileCache;
import dev.userprofiles.profile.UserProfile;
import dev.userprofiles.profile.proto.CachedUserProfile;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cache.CacheManager;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The local level on three instances sharing the cluster and the database: hits that
 * never reach Redis, every acknowledged write applied by the other members, a member
 * whose invalidation listener stalls, and a working set far larger than the local bound.
 * Timings are reported, not asserted, except the bound on how long a stalled member holds
 * writers up.
 */
class NearCacheTests {

	private static final Log logger = LogFactory.getLog(NearCacheTests.class);

	private static final ApiClient http = new ApiClient();

	private static final List<ServiceInstance> instances = new ArrayList<>();

	@BeforeAll
	static void startInstances() {
		for (int i = 0; i < 3; i++) {
			instances.add(CacheConfigurations.leased());
		}
	}

	@AfterAll
	static void stopInstances() {
		instances.forEach(ServiceInstance::close);
	}

	@Test
	void repeatedReadsAreServedLocallyWithoutRedisOrTheDatabase() {
		ServiceInstance instance = instances.get(0);
		long id = create(instance, "Local");
		RedisKeys redis = new RedisKeys(instance.bean(RedisConnectionFactory.class));
		assertThat(http.get(instance.url("/users/" + id)).status()).isEqualTo(200);
		double localHits = CacheConfigurations.localHits(List.of(instance));
		long gets = redis.commandCalls("get");
		int loads = instance.bean(ProfileLoads.class).loadsOf(id);

		for (int i = 0; i < 20; i++) {
			assertThat(http.get(instance.url("/users/" + id)).status()).isEqualTo(200);
		}

		assertThat(CacheConfigurations.localHits(List.of(instance)) - localHits).isEqualTo(20);
		assertThat(redis.commandCalls("get") - gets).as("Redis GETs of 20 local hits").isZero();
		assertThat(instance.bean(ProfileLoads.class).loadsOf(id)).isEqualTo(loads);
	}

	@Test
	void aLateWriteThroughNeverReplacesANewerEntryNorRecreatesAnEvictedOne() throws Exception {
		ServiceInstance instance = instances.get(0);
		String username = "late" + System.nanoTime();
		ApiClient.Response created = http.post(instance.url("/users"), ApiClient.profileJson(username, "Version 1"));
		long id = created.id();
		ApiClient.Response first = http.get(instance.url("/users/" + id));
		UserProfile version1 = JsonMapper.builder().build().readValue(first.body(), UserProfile.class);
		assertThat(http.put(instance.url("/users/" + id), ApiClient.profileJson(username, "Version 2")).version())
			.isEqualTo(2);
		RedisKeys redis = new RedisKeys(instance.bean(RedisConnectionFactory.class));
		String key = RedisKeys.cacheKey(ProfileCache.NAME, id);
		org.springframework.cache.Cache users = instance.bean(CacheManager.class).getCache(ProfileCache.NAME);

		// The write of version 1 arrives after version 2 was written through.
		users.put(id, version1);
		assertThat(CachedUserProfile.parseFrom(redis.get(key)).getVersion()).as("Redis after the late put")
			.isEqualTo(2);
		assertThat(http.get(instance.url("/users/" + id)).version()).isEqualTo(2);

		// The entry expired or was evicted: a late put cannot tell it is late, so it
		// stores nothing.
		redis.delete(key);
		users.put(id, version1);
		assertThat(redis.exists(key)).as("entry after a put onto a missing key").isFalse();
		assertThat(http.get(instance.url("/users/" + id)).version()).isEqualTo(2);
	}

	@Test
	void writesWaitOutAStalledMemberThatThenServesNoStaleRead() {
		ServiceInstance writer = instances.get(0);
		ServiceInstance stalled = instances.get(1);
		ServiceInstance other = instances.get(2);
		String username = "stall" + System.nanoTime();
		long id = http.post(writer.url("/users"), ApiClient.profileJson(username, "Before")).id();
		for (ServiceInstance instance : instances) {
			// Twice: the second read is a local hit on every instance.
			http.get(instance.url("/users/" + id));
			http.get(instance.url("/users/" + id));
		}
		ProfileCacheProperties.Near settings = writer.bean(ProfileCacheProperties.class).near();

		stalled.bean(InvalidationBus.class).pauseFor(Duration.ofSeconds(3));
		long pausedAt = System.nanoTime();
		long slowest = 0;
		int writes = 0;
		int staleReads = 0;
		while (System.nanoTime() - pausedAt < Duration.ofSeconds(4).toNanos()) {
			ApiClient.Response written = http.put(writer.url("/users/" + id),
					ApiClient.profileJson(username, "Name " + System.nanoTime()));
			assertThat(written.status()).isEqualTo(200);
			writes++;
			slowest = Math.max(slowest, written.nanos());
			for (ServiceInstance reader : List.of(stalled, other)) {
				ApiClient.Response read = http.get(reader.url("/users/" + id));
				if (read.version() < written.version()) {
					staleReads++;
				}
			}
		}
		logger.info("MEASURED stalled member (3 s): " + writes + " writes, slowest "
				+ Duration.ofNanos(slowest).toMillis() + " ms, " + staleReads + " stale reads");

		assertThat(writes).isGreaterThan(5);
		assertThat(Duration.ofNanos(slowest)).as("slowest write")
			.isLessThan(settings.membershipTtl().plus(Duration.ofSeconds(1)));
		assertThat(staleReads).as("stale reads on the stalled and the other member").isZero();
	}

	@Test
	void everyAcknowledgedWriteWasAppliedByEveryMember() {
		ServiceInstance writer = instances.get(0);
		String username = "acked" + System.nanoTime();
		long id = http.post(writer.url("/users"), ApiClient.profileJson(username, "Before")).id();
		double appliedBefore = applied(instances.get(1));
		long[] nanos = new long[200];
		for (int i = 0; i < nanos.length; i++) {
			ApiClient.Response written = http.put(writer.url("/users/" + id),
					ApiClient.profileJson(username, "Name " + i));
			assertThat(written.status()).isEqualTo(200);
			nanos[i] = written.nanos();
		}
		Arrays.sort(nanos);
		logger
			.info("MEASURED " + nanos.length + " sequential PUTs with 3 members: p50 " + nanos[nanos.length / 2] / 1000
					+ " us, p99 " + nanos[nanos.length * 99 / 100] / 1000 + " us, max " + nanos[nanos.length - 1] / 1000
					+ " us; waiting for acknowledgements: mean " + (long) ackWait(writer).mean(TimeUnit.MICROSECONDS)
					+ " us, max " + (long) ackWait(writer).max(TimeUnit.MICROSECONDS) + " us");

		assertThat(applied(instances.get(1)) - appliedBefore).as("invalidations applied by another member")
			.isGreaterThanOrEqualTo(nanos.length);
	}

	@Test
	void concurrentLocalMissesOfAKeyShareOneRead() throws Exception {
		ServiceInstance instance = instances.get(0);
		long id = create(instance, "Shared");
		ProfileLoads.Pause paused = instance.bean(ProfileLoads.class).pauseNextLoadOf(id);
		double joined = joined(instance);
		double leaseWaits = leaseWaits(instance);
		int followers = 20;
		ExecutorService executor = Executors.newFixedThreadPool(followers + 1);
		try {
			Future<ApiClient.Response> first = executor.submit(() -> http.get(instance.url("/users/" + id)));
			paused.awaitLoaded();
			List<Future<ApiClient.Response>> others = new ArrayList<>();
			for (int i = 0; i < followers; i++) {
				others.add(executor.submit(() -> http.get(instance.url("/users/" + id))));
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> joined(instance) - joined == followers);
			paused.release();

			assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
			for (Future<ApiClient.Response> other : others) {
				assertThat(other.get(10, TimeUnit.SECONDS).version()).isEqualTo(1);
			}
		}
		finally {
			paused.release();
			executor.shutdownNow();
		}
		assertThat(instance.bean(ProfileLoads.class).loadsOf(id)).as("database loads").isEqualTo(1);
		assertThat(leaseWaits(instance) - leaseWaits).as("requests that polled Redis for the lease").isZero();
	}

	@Test
	void aReadBegunAfterAnAcknowledgedWriteNeverJoinsAnOlderRead() throws Exception {
		ServiceInstance reader = instances.get(0);
		ServiceInstance writer = instances.get(1);
		String username = "flight" + System.nanoTime();
		long id = http.post(writer.url("/users"), ApiClient.profileJson(username, "Version 1")).id();
		ProfileLoads.Pause paused = reader.bean(ProfileLoads.class).pauseNextLoadOf(id);
		double joined = joined(reader);
		ExecutorService executor = Executors.newFixedThreadPool(2);
		try {
			// Reads version 1 from the database and stops there.
			Future<ApiClient.Response> older = executor.submit(() -> http.get(reader.url("/users/" + id)));
			paused.awaitLoaded();
			assertThat(http.put(writer.url("/users/" + id), ApiClient.profileJson(username, "Version 2")).version())
				.isEqualTo(2);

			Future<ApiClient.Response> after = executor.submit(() -> http.get(reader.url("/users/" + id)));
			// Had it joined the older read, it would now get version 1.
			TimeUnit.MILLISECONDS.sleep(500);
			paused.release();

			assertThat(after.get(10, TimeUnit.SECONDS).version()).as("a read begun after the write was acknowledged")
				.isEqualTo(2);
			assertThat(older.get(10, TimeUnit.SECONDS).version()).as("the read begun before the write").isEqualTo(1);
			assertThat(joined(reader)).as("reads that joined another").isEqualTo(joined);
		}
		finally {
			paused.release();
			executor.shutdownNow();
		}
		assertThat(http.get(reader.url("/users/" + id)).version()).isEqualTo(2);
	}

	private static double joined(ServiceInstance instance) {
		Counter counter = instance.bean(MeterRegistry.class)
			.find("cache.near.joined")
			.tag("cache", ProfileCache.NAME)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static double leaseWaits(ServiceInstance instance) {
		return CacheConfigurations.usersCount(instance, "cache.lease.waits", "hit")
				+ CacheConfigurations.usersCount(instance, "cache.lease.waits", "lease")
				+ CacheConfigurations.usersCount(instance, "cache.lease.waits", "timeout");
	}

	private static Timer ackWait(ServiceInstance instance) {
		return instance.bean(MeterRegistry.class).get("cache.near.ack.wait").timer();
	}

	private static double applied(ServiceInstance instance) {
		return instance.bean(MeterRegistry.class)
			.get("cache.near.invalidations")
			.tag("result", "applied")
			.counter()
			.count();
	}

	@Test
	void aWorkingSetTenTimesTheLocalBoundStaysWithinTheBound() {
		try (ServiceInstance small = CacheConfigurations.leased("profiles.cache.caches.users.local-size=256KB")) {
			long bound = 256 * 1024;
			// About 470 bytes an entry: 5,500 profiles weigh ten times the bound.
			int profiles = 5500;
			JdbcTemplate jdbc = small.bean(JdbcTemplate.class);
			List<Long> ids = jdbc.queryForList("""
					INSERT INTO user_profiles (username, email, display_name, bio, created_at, updated_at, version)
					SELECT 'mem' || n || '_' || extract(epoch from now())::bigint, 'mem' || n || '_'
					         || extract(epoch from now())::bigint || '@example.com', 'Memory ' || n,
					       repeat('b', 100), now(), now(), 1
					FROM generate_series(1, ?) AS n
					RETURNING id""", Long.class, profiles);
			assertThat(ids).hasSize(profiles);
			Cache<?, ?> local = localLevel(small);
			for (long id : ids) {
				assertThat(http.get(small.url("/users/" + id)).status()).isEqualTo(200);
			}
			local.cleanUp();
			long weight = local.policy().eviction().orElseThrow().weightedSize().orElseThrow();
			long weighed = local.estimatedSize();
			logger.info("MEASURED local level bound " + bound + " B, working set " + profiles + " profiles: " + weighed
					+ " entries weighing " + weight + " B, evictions " + local.stats().evictionCount());

			assertThat(weight).isLessThanOrEqualTo(bound);
			assertThat(local.stats().evictionCount()).isGreaterThan(profiles / 2);
		}
	}

	private static Cache<?, ?> localLevel(ServiceInstance instance) {
		NearCache cache = (NearCache) instance.bean(CacheManager.class).getCache(ProfileCache.NAME);
		assertThat(cache).as("the users cache has a local level").isNotNull();
		return cache.localLevel();
	}

	private static long create(ServiceInstance instance, String name) {
		ApiClient.Response created = http.post(instance.url("/users"),
				ApiClient.profileJson("near" + System.nanoTime(), name));
		assertThat(created.status()).isEqualTo(201);
		return created.id();
	}

}
