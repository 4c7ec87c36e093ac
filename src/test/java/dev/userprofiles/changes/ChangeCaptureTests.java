package dev.userprofiles.changes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ReplicationSlots;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.profile.ProfileCache;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes made behind the service's back, with {@code psql}, while instances serve and
 * cache the profiles: every instance serves the new state within a second of the commit,
 * the caches end equal to the database, and a follower killed in the middle of the stream
 * is replaced without losing a change.
 * <p>
 * The instances follow a slot of their own: a test JVM runs many services, and change
 * capture is off in all others ({@code TestServiceDefaults}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChangeCaptureTests {

	private static final Log logger = LogFactory.getLog(ChangeCaptureTests.class);

	private static final String SLOT = "change_capture_tests";

	private static final int PROFILES = 300;

	private static final ApiClient http = new ApiClient();

	private static final TestInfrastructure infrastructure = TestInfrastructure.get();

	private static final List<ServiceInstance> instances = new ArrayList<>();

	private static final List<Long> ids = new ArrayList<>();

	private static final Set<Long> deleted = new HashSet<>();

	@BeforeAll
	static void startInstances() {
		for (int i = 0; i < 3; i++) {
			instances.add(ServiceInstance.start(List.of(), "profiles.cdc.enabled=true", "profiles.cdc.slot=" + SLOT));
		}
		for (int i = 0; i < PROFILES; i++) {
			ApiClient.Response created = http.post(instances.get(0).url("/users"),
					ApiClient.profileJson("cdc" + System.nanoTime(), "Created"));
			assertThat(created.status()).isEqualTo(201);
			ids.add(created.id());
		}
	}

	@AfterAll
	static void stopInstances() {
		instances.forEach(ServiceInstance::close);
		ReplicationSlots.drop(infrastructure, SLOT);
	}

	@Test
	@Order(1)
	void everyInstanceServesAnExternalWriteWithinASecondOfItsCommit() throws Exception {
		List<ServiceInstance> serving = instances.subList(0, 2);
		awaitFollower(instances);
		warm(serving);
		long[] delays = new long[1000];
		AtomicBoolean reading = new AtomicBoolean(true);
		ExecutorService readers = startReaders(serving, reading);
		try (Psql psql = new Psql(infrastructure)) {
			for (int i = 0; i < delays.length; i++) {
				long id = pickLiving();
				boolean delete = i % 10 == 9;
				long version = change(psql, id, delete, "psql " + i);
				long committed = System.nanoTime();
				for (ServiceInstance instance : serving) {
					awaitServed(instance, id, delete ? null : version);
				}
				delays[i] = System.nanoTime() - committed;
			}
		}
		finally {
			reading.set(false);
			readers.shutdown();
			readers.awaitTermination(10, TimeUnit.SECONDS);
		}
		Arrays.sort(delays);
		long p50 = TimeUnit.NANOSECONDS.toMillis(delays[delays.length / 2]);
		long p99 = TimeUnit.NANOSECONDS.toMillis(delays[delays.length * 99 / 100 - 1]);
		long max = TimeUnit.NANOSECONDS.toMillis(delays[delays.length - 1]);
		logger.info("MEASURED change capture, 1,000 psql changes (900 updates, 100 deletes), 2 instances serving: "
				+ "commit to served everywhere p50 " + p50 + " ms, p99 " + p99 + " ms, max " + max + " ms");

		assertThat(p99).as("p99 from commit to served by every instance, ms").isLessThanOrEqualTo(1000);
		assertCachesEqualTheDatabase(serving);
	}

	@Test
	@Order(2)
	void aKilledFollowerIsReplacedWithinFiveSecondsAndNoChangeIsLost() throws Exception {
		ServiceInstance follower = awaitFollower(instances);
		List<ServiceInstance> survivors = new ArrayList<>(instances);
		survivors.remove(follower);
		warm(survivors);
		long takeover = -1;
		try (Psql psql = new Psql(infrastructure)) {
			for (int i = 0; i < 400; i++) {
				long id = pickLiving();
				change(psql, id, i % 10 == 9, "stream " + i);
				if (i == 200) {
					long killed = System.nanoTime();
					follower.bean(ChangeCapture.class).crash();
					follower.close();
					instances.remove(follower);
					awaitFollower(survivors);
					takeover = System.nanoTime() - killed;
				}
				sleep(2);
			}
		}
		logger.info("MEASURED change capture, follower killed after 200 of 400 psql changes: another instance "
				+ "followed after " + TimeUnit.NANOSECONDS.toMillis(takeover) + " ms");

		assertThat(Duration.ofNanos(takeover)).as("takeover").isLessThanOrEqualTo(Duration.ofSeconds(5));
		awaitSlotCaughtUp();
		for (ServiceInstance instance : survivors) {
			for (long id : ids) {
				awaitServed(instance, id, databaseVersion(id).orElse(null));
			}
		}
		assertCachesEqualTheDatabase(survivors);
	}

	/** Caches every profile on each instance, in Redis and in its local level. */
	private static void warm(List<ServiceInstance> serving) {
		for (ServiceInstance instance : serving) {
			for (long id : ids) {
				http.get(instance.url("/users/" + id));
			}
		}
	}

	private static ExecutorService startReaders(List<ServiceInstance> serving, AtomicBoolean reading) {
		ExecutorService readers = Executors.newFixedThreadPool(2);
		for (int i = 0; i < 2; i++) {
			readers.submit(() -> {
				while (reading.get()) {
					ServiceInstance instance = serving.get(ThreadLocalRandom.current().nextInt(serving.size()));
					http.get(instance.url("/users/" + ids.get(ThreadLocalRandom.current().nextInt(ids.size()))));
				}
			});
		}
		return readers;
	}

	/**
	 * Updates (the version moves by the table's trigger, migration V4) or deletes a
	 * profile; returns its new version, or 0 when deleted.
	 */
	private static long change(Psql psql, long id, boolean delete, String displayName) throws Exception {
		if (delete) {
			psql.single("delete from user_profiles where id = " + id + " returning id;");
			deleted.add(id);
			return 0;
		}
		return Long.parseLong(psql.single("update user_profiles set display_name = '" + displayName + "' where id = "
				+ id + " returning version;"));
	}

	private static long pickLiving() {
		while (true) {
			long id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
			if (!deleted.contains(id)) {
				return id;
			}
		}
	}

	/** Polls until the instance serves {@code version} ({@code null}: 404). */
	private static void awaitServed(ServiceInstance instance, long id, Long version) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		ApiClient.Response result;
		do {
			result = http.get(instance.url("/users/" + id));
			if ((version == null) ? result.status() == 404 : result.status() == 200 && result.version() == version) {
				return;
			}
			sleep(1);
		}
		while (System.nanoTime() < deadline);
		throw new AssertionError("Instance on port " + instance.port() + " still serves " + result.status() + " "
				+ result.body() + " for profile " + id + ", 10 s after it changed to version " + version);
	}

	/**
	 * What each instance's cache holds (its local level, else Redis), key by key, is what
	 * the database holds.
	 */
	private static void assertCachesEqualTheDatabase(List<ServiceInstance> serving) {
		for (ServiceInstance instance : serving) {
			Cache cache = instance.bean(CacheManager.class).getCache(ProfileCache.NAME);
			assertThat(cache).isNotNull();
			int cached = 0;
			for (long id : ids) {
				Cache.ValueWrapper entry = cache.get(id);
				if (entry == null) {
					continue;
				}
				cached++;
				Optional<Long> inDatabase = databaseVersion(id);
				Object value = entry.get();
				String held = (value == null) ? "absent" : value.toString();
				assertThat(held).as("cached profile " + id)
					.contains(inDatabase.map((version) -> "version=" + version + "]").orElse("absent"));
			}
			assertThat(cached).as("profiles cached").isPositive();
		}
	}

	private static Optional<Long> databaseVersion(long id) {
		return superuser().sql("select version from user_profiles where id = :id")
			.param("id", id)
			.query(Long.class)
			.optional();
	}

	private static void awaitSlotCaughtUp() {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
		long lag;
		do {
			lag = superuser()
				.sql("select pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint "
						+ "from pg_replication_slots where slot_name = :slot")
				.param("slot", SLOT)
				.query(Long.class)
				.single();
			if (lag < 1_000_000) {
				return;
			}
			sleep(100);
		}
		while (System.nanoTime() < deadline);
		throw new AssertionError("Slot " + SLOT + " still " + lag + " bytes behind after 15 s");
	}

	private static ServiceInstance awaitFollower(List<ServiceInstance> candidates) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
		while (System.nanoTime() < deadline) {
			for (ServiceInstance instance : candidates) {
				if (instance.bean(ChangeCapture.class).following()) {
					return instance;
				}
			}
			sleep(5);
		}
		throw new AssertionError("No instance follows slot " + SLOT + " after 15 s");
	}

	private static JdbcClient superuser() {
		return JdbcClient.create(new DriverManagerDataSource(infrastructure.jdbcUrl(), infrastructure.superuser(),
				infrastructure.superuserPassword()));
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
