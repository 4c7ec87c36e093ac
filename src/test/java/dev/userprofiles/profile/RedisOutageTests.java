package dev.userprofiles.profile;

import java.time.Duration;
import java.util.List;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.RedisKeys;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestInfrastructure;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.internal.HostAndPort;
import jakarta.persistence.EntityManagerFactory;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With every Redis node stopped the service keeps answering reads from Postgres, refuses
 * to acknowledge writes it cannot invalidate everywhere (503: committed, unconfirmed),
 * and caching resumes by itself when the nodes return.
 */
@ServiceTest
class RedisOutageTests {

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	TestInfrastructure infrastructure;

	@Autowired
	RedisConnectionFactory connectionFactory;

	@Autowired
	EntityManagerFactory entityManagerFactory;

	@Test
	void servesReadsFromPostgresAndAnswersUnconfirmedWritesWith503WhileRedisIsDown() {
		ApiClient api = new ApiClient(this.port);
		RedisKeys redis = new RedisKeys(this.connectionFactory);
		JsonNode existing = api.createProfile();
		long id = existing.get("id").asLong();
		long doomed = api.createProfile().get("id").asLong();

		this.infrastructure.stopAllRedisNodes();
		try {
			assertThat(api.get("/users/" + id).json()).isEqualTo(existing);
			String handle = ApiClient.uniqueHandle();
			ApiClient.Response created = api.post("/users",
					ApiClient.profileJson(handle, handle + "@example.com", "Written during the outage"));
			ApiClient.Response updated = api.put("/users/" + id,
					ApiClient.profileJson(existing.get("username").asString(), existing.get("email").asString(),
							"Updated during the outage"));
			ApiClient.Response deleted = api.delete("/users/" + doomed);
			for (ApiClient.Response unconfirmed : List.of(created, updated, deleted)) {
				assertThat(unconfirmed.status()).isEqualTo(503);
				assertThat(unconfirmed.header("Content-Type")).isEqualTo("application/problem+json");
				assertThat(unconfirmed.header("Retry-After")).isNotNull();
			}

			// Committed all the same: what Postgres holds is what every read returns.
			JsonNode read = api.get("/users/" + id).json();
			assertThat(read.get("displayName").asString()).isEqualTo("Updated during the outage");
			assertThat(read.get("version").asLong()).isEqualTo(2);
			assertThat(api.get("/users/" + doomed).status()).isEqualTo(404);
			assertThat(api.post("/users", ApiClient.profileJson(handle, handle + "@example.com", "Again")).status())
				.as("the created profile exists")
				.isEqualTo(409);
			assertThat(api.get("/users?size=5").status()).isEqualTo(200);
			assertThat(api.get("/readyz").status()).as("readiness does not depend on Redis").isEqualTo(200);
			JsonNode health = new ApiClient(this.managementPort).get("/actuator/health").json();
			assertThat(health.get("components").get("redis").get("status").asString()).isEqualTo("DOWN");
		}
		finally {
			this.infrastructure.startAllRedisNodes();
		}

		// Caching resumes without a restart once Lettuce has reconnected.
		String key = RedisKeys.cacheKey(ProfileCache.NAME, id);
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
			assertThat(api.get("/users/" + id).status()).isEqualTo(200);
			return redis.existsIfReachable(key);
		});
		Statistics sql = this.entityManagerFactory.unwrap(SessionFactory.class).getStatistics();
		long statements = sql.getPrepareStatementCount();
		assertThat(api.get("/users/" + id).json().get("displayName").asString()).isEqualTo("Updated during the outage");
		assertThat(sql.getPrepareStatementCount()).as("served from the cache").isEqualTo(statements);
		// Writes are acknowledged again once every connection is back.
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
			String handle = ApiClient.uniqueHandle();
			return api.post("/users", ApiClient.profileJson(handle, handle + "@example.com", "After the outage"))
				.status() == 201;
		});
	}

	@Test
	void slowRedisCostsACommandTimeoutNotAFailure() {
		ApiClient api = new ApiClient(this.port);
		long id = api.createProfile().get("id").asLong();
		// Every node stops answering for 3 s: commands time out after 500 ms.
		pauseAllNodes(Duration.ofSeconds(3));

		long start = System.nanoTime();
		ApiClient.Response response = api.get("/users/" + id);
		Duration took = Duration.ofNanos(System.nanoTime() - start);

		assertThat(response.status()).isEqualTo(200);
		assertThat(took).as("a read during the pause").isLessThan(Duration.ofMillis(2500));
		this.infrastructure.awaitHealthyCluster();
	}

	private void pauseAllNodes(Duration pause) {
		RedisClient client = RedisClient.create();
		try {
			for (HostAndPort node : this.infrastructure.redisNodes()) {
				try (StatefulRedisConnection<String, String> connection = client
					.connect(TestInfrastructure.redisAdminUri(node))) {
					connection.sync().clientPause(pause.toMillis());
				}
			}
		}
		finally {
			client.shutdown();
		}
	}

}
