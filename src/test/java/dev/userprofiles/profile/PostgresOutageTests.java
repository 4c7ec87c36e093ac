package dev.userprofiles.profile;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestInfrastructure;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * With Postgres stopped, cached profiles are still served and every write is refused with
 * a 503 that tells the client when to retry; once Postgres is back, every write
 * acknowledged before the outage is there, none of the refused ones is, and the service
 * reads and writes again without a restart.
 * <p>
 * The first write follows the stop at once, as under steady traffic: it gets a pooled
 * connection that was used a moment before, which Hikari hands out without validating it
 * (its 500 ms alive-bypass window), so the failure surfaces mid-transaction. The later
 * writes find a pool that validates, evicts and waits for a new connection until its
 * connection-timeout. The local backend stops Postgres well within the 500 ms; the
 * containers backend takes about as long, so there the first write may take the second
 * path too.
 */
@ServiceTest
class PostgresOutageTests {

	private static final Log logger = LogFactory.getLog(PostgresOutageTests.class);

	/** Hikari's connection-timeout is 2 s: a refusal must not take much longer. */
	private static final Duration REFUSAL_BOUND = Duration.ofSeconds(5);

	@LocalServerPort
	int port;

	@Autowired
	TestInfrastructure infrastructure;

	@Test
	void servesCachedProfilesAndRefusesWritesWhileDatabaseIsDownAndLosesNothingAcknowledged() {
		ApiClient api = new ApiClient(this.port);
		// Acknowledged before the outage: a create, an update and a delete.
		JsonNode created = api.createProfile();
		JsonNode toUpdate = api.createProfile();
		JsonNode updated = acknowledged(api.put(pathOf(toUpdate), profileJson(toUpdate, "Updated before the outage")),
				200);
		long deletedId = api.createProfile().get("id").asLong();
		assertThat(api.delete("/users/" + deletedId).status()).isEqualTo(204);
		// Targets of the writes the outage will refuse.
		JsonNode toReplace = api.createProfile();
		JsonNode toDelete = api.createProfile();
		List<JsonNode> cached = List.of(created, updated, toReplace, toDelete);
		for (JsonNode profile : cached) {
			assertThat(api.get(pathOf(profile)).json()).as("read once, so it is cached").isEqualTo(profile);
		}
		String refusedHandle = ApiClient.uniqueHandle();
		String refusedCreate = ApiClient.profileJson(refusedHandle, refusedHandle + "@example.com",
				"Created during the outage");
		String refusedReplace = profileJson(toReplace, "Replaced during the outage");
		// Every check is reported, so that one failure does not hide what the others saw.
		SoftAssertions softly = new SoftAssertions();

		// As under steady traffic, the pool holds a connection it used a moment ago: it
		// hands it out again unvalidated (Hikari's 500 ms alive-bypass window).
		assertThat(api.get("/users?size=1").status()).isEqualTo(200);
		long stopping = System.nanoTime();
		this.infrastructure.stopDatabase();
		logger.info("Postgres (" + this.infrastructure.backend() + ") stopped in " + millisSince(stopping) + " ms");
		try {
			assertRefused(softly, "POST /users", () -> api.post("/users", refusedCreate), stopping);
			assertRefused(softly, "PUT " + pathOf(toReplace), () -> api.put(pathOf(toReplace), refusedReplace),
					stopping);
			assertRefused(softly, "DELETE " + pathOf(toDelete), () -> api.delete(pathOf(toDelete)), stopping);
			assertThatException().as("Postgres is down")
				.isThrownBy(() -> database().sql("select 1").query().singleValue());
			for (JsonNode profile : List.of(created, updated)) {
				softly.assertThat(api.get(pathOf(profile)).json())
					.as("cached profile %s while Postgres is down", profile.get("id"))
					.isEqualTo(profile);
			}
			// The targets of the refused writes may have been evicted (then 503), but a
			// refused write must never show.
			for (JsonNode profile : List.of(toReplace, toDelete)) {
				ApiClient.Response response = api.get(pathOf(profile));
				softly.assertThat(response.status())
					.as("profile %s after a refused write: %s", profile.get("id"), response)
					.isIn(200, 503);
				if (response.status() == 200) {
					softly.assertThat(response.json())
						.as("profile %s after a refused write", profile.get("id"))
						.isEqualTo(profile);
				}
			}
			softly.assertThat(api.get("/readyz").status())
				.as("readiness ignores Postgres: cached reads go on")
				.isEqualTo(200);
		}
		finally {
			long starting = System.nanoTime();
			this.infrastructure.startDatabase();
			logger.info("Postgres (" + this.infrastructure.backend() + ") accepting connections again after "
					+ millisSince(starting) + " ms");
		}

		// Reads that need Postgres are retried until the connection pool has reconnected.
		long recovering = System.nanoTime();
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> api.get("/users?size=1").status() == 200);
		logger.info("The service read from Postgres again " + millisSince(recovering) + " ms after its restart");

		// In the database: everything acknowledged, nothing refused.
		for (JsonNode profile : cached) {
			assertStored(softly, profile);
		}
		softly.assertThat(storedRow(deletedId)).as("row deleted before the outage").isEmpty();
		softly
			.assertThat(database().sql("select count(*) from user_profiles where username = ?")
				.param(refusedHandle)
				.query(Long.class)
				.single())
			.as("rows created by the refused POST")
			.isZero();

		// Through the API: the same, and writes succeed again.
		for (JsonNode profile : cached) {
			softly.assertThat(api.get(pathOf(profile)).json())
				.as("profile %s after the outage", profile.get("id"))
				.isEqualTo(profile);
		}
		softly.assertThat(api.get("/users/" + deletedId).status()).isEqualTo(404);
		ApiClient.Response createdAfter = api.post("/users", refusedCreate);
		softly.assertThat(createdAfter.status())
			.as("the refused POST sent again (409 if it had been applied): %s", createdAfter)
			.isEqualTo(201);
		ApiClient.Response replacedAfter = api.put(pathOf(toReplace), refusedReplace);
		softly.assertThat(replacedAfter.status()).as("PUT after the outage: %s", replacedAfter).isEqualTo(200);
		ApiClient.Response deletedAfter = api.delete(pathOf(toDelete));
		softly.assertThat(deletedAfter.status()).as("DELETE after the outage: %s", deletedAfter).isEqualTo(204);
		if (replacedAfter.status() == 200) {
			softly.assertThat(replacedAfter.json().get("version").asLong())
				.isEqualTo(toReplace.get("version").asLong() + 1);
			softly.assertThat(api.get(pathOf(toReplace)).json()).isEqualTo(replacedAfter.json());
			assertStored(softly, replacedAfter.json());
		}
		if (createdAfter.status() == 201) {
			assertStored(softly, createdAfter.json());
		}
		softly.assertThat(api.get(pathOf(toDelete)).status()).isEqualTo(404);
		softly.assertThat(storedRow(toDelete.get("id").asLong())).isEmpty();
		softly.assertAll();
	}

	private void assertRefused(SoftAssertions softly, String request, Supplier<ApiClient.Response> send,
			long stopping) {
		long start = System.nanoTime();
		ApiClient.Response response = send.get();
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		logger.info(request + " sent " + Duration.ofNanos(start - stopping).toMillis() + " ms after the stop began: "
				+ response.status() + " in " + took.toMillis() + " ms");
		softly.assertThat(response.status()).as("%s answered %s", request, response).isEqualTo(503);
		softly.assertThat(response.header("Content-Type"))
			.as("%s Content-Type", request)
			.startsWith("application/problem+json");
		softly.assertThat(response.header("Retry-After")).as("%s Retry-After", request).isNotBlank();
		softly.assertThat(took).as("%s took", request).isLessThan(REFUSAL_BOUND);
	}

	/** The profile's row holds exactly what the API acknowledged. */
	private void assertStored(SoftAssertions softly, JsonNode profile) {
		Optional<Map<String, Object>> row = storedRow(profile.get("id").asLong());
		softly.assertThat(row).as("row of acknowledged profile %s", profile).isPresent();
		row.ifPresent((stored) -> {
			softly.assertThat(stored.get("username")).isEqualTo(profile.get("username").asString());
			softly.assertThat(stored.get("email")).isEqualTo(profile.get("email").asString());
			softly.assertThat(stored.get("display_name"))
				.as("display_name of %s", profile.get("id"))
				.isEqualTo(profile.get("displayName").asString());
			softly.assertThat(stored.get("version"))
				.as("version of %s", profile.get("id"))
				.isEqualTo(profile.get("version").asLong());
			softly.assertThat(((Timestamp) stored.get("updated_at")).toInstant())
				.as("updated_at of %s", profile.get("id"))
				.isEqualTo(Instant.parse(profile.get("updatedAt").asString()));
		});
	}

	private Optional<Map<String, Object>> storedRow(long id) {
		return database()
			.sql("select username, email, display_name, version, updated_at from user_profiles where id = ?")
			.param(id)
			.query()
			.listOfRows()
			.stream()
			.findFirst();
	}

	/** Postgres directly, not through the application's connection pool. */
	private JdbcClient database() {
		return JdbcClient.create(new DriverManagerDataSource(this.infrastructure.jdbcUrl(),
				this.infrastructure.username(), this.infrastructure.password()));
	}

	private static JsonNode acknowledged(ApiClient.Response response, int status) {
		assertThat(response.status()).as(response.toString()).isEqualTo(status);
		return response.json();
	}

	private static String pathOf(JsonNode profile) {
		return "/users/" + profile.get("id").asLong();
	}

	/** A full replacement of the profile that changes only its display name. */
	private static String profileJson(JsonNode profile, String displayName) {
		return ApiClient.profileJson(profile.get("username").asString(), profile.get("email").asString(), displayName);
	}

	private static long millisSince(long start) {
		return Duration.ofNanos(System.nanoTime() - start).toMillis();
	}

}
