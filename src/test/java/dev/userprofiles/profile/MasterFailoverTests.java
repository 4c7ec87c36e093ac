package dev.userprofiles.profile;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.RedisKeys;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.profile.proto.CachedUserProfile;
import io.lettuce.core.internal.HostAndPort;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When the master that owns a profile's key dies, every request keeps succeeding, and
 * Lettuce follows the promoted replica within seconds (adaptive topology refresh): the
 * entry becomes readable again from the replica that took over the slot. The local level
 * is off here: these tests watch the Redis level (local hits would never reach it).
 */
@ServiceTest(properties = { "spring.jpa.properties.hibernate.generate_statistics=true",
		"profiles.cache.caches.users.local-size=0" })
class MasterFailoverTests {

	private static final Log logger = LogFactory.getLog(MasterFailoverTests.class);

	@LocalServerPort
	int port;

	@Autowired
	TestInfrastructure infrastructure;

	@Autowired
	RedisConnectionFactory connectionFactory;

	@Test
	void followsThePromotedReplicaWithoutFailingARequest() {
		ApiClient api = new ApiClient(this.port);
		RedisKeys redis = new RedisKeys(this.connectionFactory);
		long id = api.createProfile().get("id").asLong();
		String key = RedisKeys.cacheKey(ProfileCache.NAME, id);
		int master = masterIndexOf(key);

		this.infrastructure.stopRedisNode(master);
		long stoppedAt = System.nanoTime();
		try {
			AtomicInteger requests = new AtomicInteger();
			// Every read answers 200 (from Postgres while the slot has no master).
			await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100)).until(() -> {
				assertThat(api.get("/users/" + id).status()).isEqualTo(200);
				requests.incrementAndGet();
				return redis.existsIfReachable(key);
			});
			logger.info("Master " + master + " stopped: the entry was readable on the promoted replica after "
					+ Duration.ofNanos(System.nanoTime() - stoppedAt).toMillis() + " ms and " + requests
					+ " requests, all 200");
		}
		finally {
			this.infrastructure.startRedisNode(master);
			this.infrastructure.awaitHealthyCluster();
		}
	}

	@Test
	void writeDuringFailoverIsNotShadowedByTheReplicasOlderEntry() {
		ApiClient api = new ApiClient(this.port);
		JsonNode created = api.createProfile();
		long id = created.get("id").asLong();
		String key = RedisKeys.cacheKey(ProfileCache.NAME, id);
		// Version 1 is cached and replicated; its master is about to die.
		assertThat(api.get("/users/" + id).json().get("version").asLong()).isEqualTo(1);
		int master = masterIndexOf(key);

		this.infrastructure.stopRedisNode(master);
		try {
			// The write commits; its invalidation fails while the slot has no master, so
			// it is not acknowledged: 503, retry later.
			ApiClient.Response written = api.put("/users/" + id, ApiClient.profileJson(
					created.get("username").asString(), created.get("email").asString(), "Written during failover"));
			assertThat(written.status()).isEqualTo(503);
			assertThat(written.header("Retry-After")).isNotNull();

			// The retried eviction removes version 1 once its replica is promoted.
			await().atMost(Duration.ofSeconds(45))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> !redis(id).isEmpty() && !redis(id).contains("stale"));
			for (int i = 0; i < 20; i++) {
				assertThat(api.get("/users/" + id).json().get("version").asLong()).isEqualTo(2);
			}
		}
		finally {
			this.infrastructure.startRedisNode(master);
			this.infrastructure.awaitHealthyCluster();
		}
	}

	/**
	 * What Redis holds for the profile: "" while unreachable, "absent", "fresh" (version
	 * 2) or "stale" (version 1).
	 */
	private String redis(long id) {
		try {
			byte[] bytes = new RedisKeys(this.connectionFactory).get(RedisKeys.cacheKey(ProfileCache.NAME, id));
			if (bytes == null) {
				return "absent";
			}
			return (CachedUserProfile.parseFrom(bytes).getVersion() == 1) ? "stale" : "fresh";
		}
		catch (RuntimeException | InvalidProtocolBufferException ex) {
			return "";
		}
	}

	private int masterIndexOf(String key) {
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			RedisClusterNode owner = connection.clusterGetNodeForKey(key.getBytes());
			List<HostAndPort> nodes = this.infrastructure.redisNodes();
			for (int i = 0; i < nodes.size(); i++) {
				if (nodes.get(i).getPort() == owner.getPort()) {
					return i;
				}
			}
			throw new IllegalStateException("No test node matches " + owner);
		}
	}

}
