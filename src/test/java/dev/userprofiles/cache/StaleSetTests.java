package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ProfileLoads;
import dev.userprofiles.infra.RedisKeys;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.profile.ProfileCache;
import dev.userprofiles.profile.proto.CachedUserProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The races that make textbook cache-aside serve stale data, forced one step at a time: a
 * read misses and loads version 1 from Postgres, and is held right there while a write
 * commits and is acknowledged; then the read goes on to fill the cache. The service must
 * end with a cache that is never older than the database. The same steps on the textbook
 * configuration show the race is real: its cache ends older.
 */
class StaleSetTests {

	private static final ApiClient http = new ApiClient();

	private static ServiceInstance leased;

	private static ServiceInstance textbook;

	@BeforeAll
	static void startInstances() {
		leased = CacheConfigurations.leased();
		textbook = CacheConfigurations.textbook();
	}

	@AfterAll
	static void stopInstances() {
		ServiceInstance.closeAll(leased, textbook);
	}

	@Test
	void readThatLoadedBeforeAnUpdateDoesNotStoreTheOlderVersion() throws Exception {
		double refused = fills(leased, "refused");

		Race race = readMissRacingWith(leased, this::update);

		assertThat(race.write().version()).isEqualTo(2);
		assertThat(race.cachedVersion()).as("cached version (0: none)").isIn(0L, 2L);
		assertThat(race.nextRead().version()).isEqualTo(2);
		assertThat(fills(leased, "refused")).isEqualTo(refused + 1);
	}

	@Test
	void readThatLoadedBeforeADeleteDoesNotBringTheProfileBack() throws Exception {
		Race race = readMissRacingWith(leased, this::delete);

		assertThat(race.write().status()).isEqualTo(204);
		assertThat(race.cachedVersion()).as("cached version (0: none)").isZero();
		assertThat(race.nextRead().status()).isEqualTo(404);
	}

	@Test
	void readThatLoadedBeforeTwoWritersEndsWithTheSecondWrite() throws Exception {
		Race race = readMissRacingWith(leased, (instance, profile) -> {
			update(instance, profile);
			return update(instance, profile);
		});

		assertThat(race.write().version()).isEqualTo(3);
		assertThat(race.cachedVersion()).as("cached version (0: none)").isIn(0L, 3L);
		assertThat(race.nextRead().version()).isEqualTo(3);
	}

	@Test
	void fillWhoseLeaseExpiredIsRefused() throws Exception {
		double refused = fills(leased, "refused");
		// Held past the lease (2 s): no write, but nothing proves the value still
		// current.
		Race race = readMissRacingWith(leased, (instance, profile) -> {
			sleep(Duration.ofMillis(2500));
			return update(instance, profile);
		});

		assertThat(race.cachedVersion()).as("cached version (0: none)").isIn(0L, 2L);
		assertThat(race.nextRead().version()).isEqualTo(2);
		assertThat(fills(leased, "refused")).isEqualTo(refused + 1);
	}

	@Test
	void textbookReadStoresTheOlderVersionAfterAnUpdate() throws Exception {
		Race race = readMissRacingWith(textbook, this::update);

		assertThat(race.write().version()).isEqualTo(2);
		assertThat(race.cachedVersion()).as("textbook: stale set").isEqualTo(1);
		assertThat(race.nextRead().version()).as("textbook: stale read").isEqualTo(1);
	}

	@Test
	void textbookReadBringsADeletedProfileBack() throws Exception {
		Race race = readMissRacingWith(textbook, this::delete);

		assertThat(race.write().status()).isEqualTo(204);
		assertThat(race.cachedVersion()).as("textbook: resurrected entry").isEqualTo(1);
		assertThat(race.nextRead().status()).as("textbook: deleted profile served").isEqualTo(200);
	}

	/**
	 * Creates a profile, starts a read that misses and holds it right after Postgres
	 * answered version 1, runs {@code write} to its acknowledgment, then lets the read
	 * finish and reports what the cache holds.
	 */
	private Race readMissRacingWith(ServiceInstance instance,
			BiFunction<ServiceInstance, Profile, ApiClient.Response> write) throws Exception {
		String username = "race" + System.nanoTime();
		ApiClient.Response created = http.post(instance.url("/users"), ApiClient.profileJson(username, "Created"));
		assertThat(created.status()).isEqualTo(201);
		Profile profile = new Profile(created.id(), username);
		ProfileLoads.Pause pause = instance.bean(ProfileLoads.class).pauseNextLoadOf(profile.id());

		CompletableFuture<ApiClient.Response> read = CompletableFuture
			.supplyAsync(() -> http.get(instance.url("/users/" + profile.id())));
		pause.awaitLoaded();
		ApiClient.Response written = write.apply(instance, profile);
		pause.release();
		ApiClient.Response stalledRead = read.get(30, TimeUnit.SECONDS);

		assertThat(stalledRead.status()).as("the stalled read itself").isEqualTo(200);
		assertThat(stalledRead.version()).as("the stalled read started before the write").isEqualTo(1);
		return new Race(written, cachedVersion(instance, profile.id()),
				http.get(instance.url("/users/" + profile.id())));
	}

	private ApiClient.Response update(ServiceInstance instance, Profile profile) {
		ApiClient.Response result = http.put(instance.url("/users/" + profile.id()),
				ApiClient.profileJson(profile.username(), "Updated " + System.nanoTime()));
		assertThat(result.status()).isEqualTo(200);
		return result;
	}

	private ApiClient.Response delete(ServiceInstance instance, Profile profile) {
		return http.delete(instance.url("/users/" + profile.id()));
	}

	/** The version the instance's cache holds for the profile; 0 when none. */
	private static long cachedVersion(ServiceInstance instance, long id) throws Exception {
		String prefix = (instance == textbook) ? CacheConfigurations.TEXTBOOK_KEY_PREFIX : "profiles:";
		byte[] bytes = new RedisKeys(instance.bean(RedisConnectionFactory.class))
			.get(prefix + ProfileCache.NAME + "::" + id);
		return (bytes != null) ? CachedUserProfile.parseFrom(bytes).getVersion() : 0;
	}

	private static double fills(ServiceInstance instance, String result) {
		return CacheConfigurations.usersCount(instance, "cache.fills", result);
	}

	@Test
	void clearDeletesLeasesWithTheValues() {
		String username = "clear" + System.nanoTime();
		long id = http.post(leased.url("/users"), ApiClient.profileJson(username, "Clear")).id();
		assertThat(http.get(leased.url("/users/" + id)).status()).isEqualTo(200);
		RedisKeys redis = new RedisKeys(leased.bean(RedisConnectionFactory.class));
		String valueKey = RedisKeys.cacheKey(ProfileCache.NAME, id);
		String leaseKey = new String(EntryKey.of(valueKey.getBytes(StandardCharsets.UTF_8)).lease(),
				StandardCharsets.UTF_8);
		// As if a load of this profile were running somewhere.
		redis.set(leaseKey, "token".getBytes(StandardCharsets.UTF_8));

		leased.bean(CacheManager.class).getCache(ProfileCache.NAME).clear();

		assertThat(redis.exists(valueKey)).as("value after clear()").isFalse();
		assertThat(redis.exists(leaseKey)).as("lease after clear()").isFalse();
	}

	@Test
	void asynchronousReadsAreRefusedRatherThanBypassingLeases() {
		Cache users = leased.bean(CacheManager.class).getCache(ProfileCache.NAME);
		Cache redisLevel = (users instanceof NearCache near) ? near.redisLevel() : users;

		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> users.retrieve(1L));
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> redisLevel.retrieve(1L));
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

	private record Profile(long id, String username) {

	}

	private record Race(ApiClient.Response write, long cachedVersion, ApiClient.Response nextRead) {

	}

}
