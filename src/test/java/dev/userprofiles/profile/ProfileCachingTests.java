package dev.userprofiles.profile;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.RedisKeys;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.profile.proto.CachedUserProfile;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManagerFactory;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the cache layer does, observed in Redis itself and in the SQL the service issues.
 */
@ServiceTest
class ProfileCachingTests {

	@LocalServerPort
	int port;

	@Autowired
	RedisConnectionFactory connectionFactory;

	@Autowired
	EntityManagerFactory entityManagerFactory;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	MeterRegistry meters;

	ApiClient api;

	RedisKeys redis;

	Statistics sql;

	@BeforeEach
	void setUp() {
		this.api = new ApiClient(this.port);
		this.redis = new RedisKeys(this.connectionFactory);
		this.sql = this.entityManagerFactory.unwrap(SessionFactory.class).getStatistics();
	}

	@Test
	void readStoresProtobufEntryWithConfiguredTtlWithinJitter() throws Exception {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();
		String key = RedisKeys.cacheKey(ProfileCache.NAME, id);
		this.redis.delete(key);

		assertThat(this.api.get("/users/" + id).status()).isEqualTo(200);

		Duration ttl = this.redis.ttl(key);
		// users: 5 minutes plus up to 10% jitter
		assertThat(ttl).isBetween(Duration.ofMinutes(5).minusSeconds(5), Duration.ofSeconds(330));
		CachedUserProfile cached = CachedUserProfile.parseFrom(this.redis.get(key));
		assertThat(cached.getId()).isEqualTo(id);
		assertThat(cached.getUsername()).isEqualTo(created.get("username").asString());
		assertThat(cached.getEmail()).isEqualTo(created.get("email").asString());
		assertThat(cached.getDisplayName()).isEqualTo(created.get("displayName").asString());
		assertThat(cached.getBio()).isEqualTo(created.get("bio").asString());
		assertThat(cached.getLocale()).isEqualTo("en-GB");
		assertThat(cached.getVersion()).isEqualTo(1);
		assertThat(Instant.EPOCH.plusNanos(cached.getUpdatedAtMicros() * 1000))
			.isEqualTo(Instant.parse(created.get("updatedAt").asString()));
	}

	@Test
	void ttlsOfEntriesWrittenTogetherAreSpreadByJitter() {
		Set<Long> ttlSeconds = new HashSet<>();
		for (int i = 0; i < 10; i++) {
			long id = this.api.createProfile().get("id").asLong();
			this.api.get("/users/" + id);
			ttlSeconds.add(this.redis.ttl(RedisKeys.cacheKey(ProfileCache.NAME, id)).toSeconds());
		}
		assertThat(ttlSeconds).hasSizeGreaterThan(1);
	}

	@Test
	void secondReadIssuesNoSql() {
		long id = this.api.createProfile().get("id").asLong();
		this.redis.delete(RedisKeys.cacheKey(ProfileCache.NAME, id));
		long beforeMiss = this.sql.getPrepareStatementCount();
		this.api.get("/users/" + id);
		long afterMiss = this.sql.getPrepareStatementCount();

		for (int i = 0; i < 5; i++) {
			assertThat(this.api.get("/users/" + id).status()).isEqualTo(200);
		}

		assertThat(afterMiss - beforeMiss).as("SQL statements of the miss").isEqualTo(1);
		assertThat(this.sql.getPrepareStatementCount()).as("SQL statements after the hits").isEqualTo(afterMiss);
	}

	@Test
	void hitsAndMissesAreCountedInCacheMetrics() {
		long id = this.api.createProfile().get("id").asLong();
		this.redis.delete(RedisKeys.cacheKey(ProfileCache.NAME, id));
		double hits = cacheGets("hit");
		double misses = cacheGets("miss");
		double localHits = cacheGets(ProfileCache.NAME + ".local", "hit");

		this.api.get("/users/" + id);
		this.api.get("/users/" + id);

		// The second read is a hit of the local level, in front of Redis.
		assertThat(cacheGets("miss")).isEqualTo(misses + 1);
		assertThat(cacheGets("hit")).isEqualTo(hits);
		assertThat(cacheGets(ProfileCache.NAME + ".local", "hit")).isEqualTo(localHits + 1);
		assertThat(this.meters.get("cache.puts").tag("cache", ProfileCache.NAME).functionCounter().count())
			.isPositive();
	}

	@Test
	void creationLeavesTheCacheToTheFirstRead() {
		long id = this.api.createProfile().get("id").asLong();

		assertThat(this.redis.exists(RedisKeys.cacheKey(ProfileCache.NAME, id))).isFalse();
	}

	@Test
	void absentProfileIsCachedForOneLeasePeriodAndCreationInvalidatesIt() {
		long next = this.jdbc.queryForObject(
				"select coalesce(last_value, 0) + 1 from pg_sequences"
						+ " where schemaname || '.' || sequencename = pg_get_serial_sequence('user_profiles', 'id')",
				Long.class);
		String key = RedisKeys.cacheKey(ProfileCache.NAME, next);

		assertThat(this.api.get("/users/" + next).status()).isEqualTo(404);
		assertThat(this.redis.ttl(key)).as("absent entry TTL").isBetween(Duration.ofMillis(1), Duration.ofSeconds(2));
		long created = this.api.createProfile().get("id").asLong();

		assertThat(created).as("the id read before it existed").isEqualTo(next);
		assertThat(this.api.get("/users/" + next).status()).isEqualTo(200);
	}

	@Test
	void updateWritesTheNewVersionThroughWithoutALoad() throws Exception {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();
		this.api.get("/users/" + id);
		assertThat(this.redis.exists(RedisKeys.cacheKey(ProfileCache.NAME, id))).isTrue();

		this.api.put("/users/" + id, ApiClient.profileJson(created.get("username").asString(),
				created.get("email").asString(), "Updated Name"));

		CachedUserProfile cached = CachedUserProfile
			.parseFrom(this.redis.get(RedisKeys.cacheKey(ProfileCache.NAME, id)));
		assertThat(cached.getVersion()).isEqualTo(2);
		assertThat(cached.getDisplayName()).isEqualTo("Updated Name");
		long statements = this.sql.getPrepareStatementCount();
		assertThat(this.api.get("/users/" + id).json().get("version").asLong()).isEqualTo(2);
		assertThat(this.sql.getPrepareStatementCount()).as("SQL of the read after the update").isEqualTo(statements);
	}

	@Test
	void updateOfAnUncachedProfileLeavesTheCacheToTheFirstRead() {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();

		this.api.put("/users/" + id, ApiClient.profileJson(created.get("username").asString(),
				created.get("email").asString(), "Updated Name"));

		assertThat(this.redis.exists(RedisKeys.cacheKey(ProfileCache.NAME, id))).isFalse();
	}

	@Test
	void deleteRemovesTheEntry() {
		long id = this.api.createProfile().get("id").asLong();
		this.api.get("/users/" + id);
		assertThat(this.redis.exists(RedisKeys.cacheKey(ProfileCache.NAME, id))).isTrue();

		this.api.delete("/users/" + id);

		assertThat(this.redis.exists(RedisKeys.cacheKey(ProfileCache.NAME, id))).isFalse();
		assertThat(this.api.get("/users/" + id).status()).isEqualTo(404);
	}

	@Test
	void everyWriteIsVisibleToTheVeryNextRead() {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();
		for (int i = 1; i <= 20; i++) {
			ApiClient.Response written = this.api.put("/users/" + id, ApiClient
				.profileJson(created.get("username").asString(), created.get("email").asString(), "Name " + i));
			JsonNode read = this.api.get("/users/" + id).json();
			assertThat(read).isEqualTo(written.json());
			assertThat(read.get("version").asLong()).isEqualTo(i + 1);
		}
	}

	@Test
	void corruptEntryIsReplacedNotServed() throws Exception {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();
		String key = RedisKeys.cacheKey(ProfileCache.NAME, id);
		double errors = cacheErrors();
		this.redis.set(key, new byte[] { (byte) 0xff, 0x00, 0x13, 0x37, 0x42 });

		ApiClient.Response response = this.api.get("/users/" + id);

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json()).isEqualTo(created);
		assertThat(cacheErrors()).isGreaterThan(errors);
		// The next read found no entry (it was evicted) and stored a good one.
		this.api.get("/users/" + id);
		assertThat(CachedUserProfile.parseFrom(this.redis.get(key)).getVersion()).isEqualTo(1);
		long statements = this.sql.getPrepareStatementCount();
		this.api.get("/users/" + id);
		assertThat(this.sql.getPrepareStatementCount()).isEqualTo(statements);
	}

	@Test
	void wellFormedButMeaninglessProtobufIsTreatedAsAMiss() {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();
		// Valid protobuf (field 2 = "x") that no write produces: id and version 0.
		this.redis.set(RedisKeys.cacheKey(ProfileCache.NAME, id), new byte[] { 0x12, 0x01, 'x' });

		assertThat(this.api.get("/users/" + id).json()).isEqualTo(created);
	}

	private double cacheGets(String result) {
		return cacheGets(ProfileCache.NAME, result);
	}

	private double cacheGets(String cache, String result) {
		return this.meters.get("cache.gets").tag("cache", cache).tag("result", result).functionCounter().count();
	}

	private double cacheErrors() {
		return this.meters.find("cache.errors")
			.tag("cache", ProfileCache.NAME)
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

}
