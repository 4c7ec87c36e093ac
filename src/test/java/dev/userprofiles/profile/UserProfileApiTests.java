package dev.userprofiles.profile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API contract over real HTTP, against the real Redis Cluster and Postgres.
 */
@ServiceTest
class UserProfileApiTests {

	@LocalServerPort
	int port;

	ApiClient api;

	@BeforeEach
	void createClient() {
		this.api = new ApiClient(this.port);
	}

	@Test
	void createsProfileWithLocationEtagAndVersionOne() {
		String handle = ApiClient.uniqueHandle();
		ApiClient.Response response = this.api.post("/users",
				ApiClient.profileJson(handle, handle + "@example.com", "Ada Lovelace"));

		assertThat(response.status()).isEqualTo(201);
		JsonNode body = response.json();
		long id = body.get("id").asLong();
		assertThat(id).isPositive();
		assertThat(response.header("Location")).isEqualTo("/users/" + id);
		assertThat(response.header("ETag")).isEqualTo("\"" + id + "-1\"");
		assertThat(response.header("Content-Type")).startsWith("application/json");
		assertThat(body.get("username").asString()).isEqualTo(handle);
		assertThat(body.get("email").asString()).isEqualTo(handle + "@example.com");
		assertThat(body.get("displayName").asString()).isEqualTo("Ada Lovelace");
		assertThat(body.get("bio").asString()).isEqualTo("Writes tests");
		assertThat(body.get("avatarUrl").asString()).isEqualTo("https://example.com/a.png");
		assertThat(body.get("locale").asString()).isEqualTo("en-GB");
		assertThat(body.get("version").asLong()).isEqualTo(1);
		assertThat(body.get("createdAt").asString()).endsWith("Z");
		assertThat(Instant.parse(body.get("createdAt").asString())).isEqualTo(body.get("updatedAt").asString());
	}

	@Test
	void optionalFieldsMayBeOmittedAndComeBackAsNull() {
		String handle = ApiClient.uniqueHandle();
		ApiClient.Response response = this.api.post("/users", """
				{"username": "%s", "email": "%s@example.com", "displayName": "Minimal"}""".formatted(handle, handle));

		assertThat(response.status()).isEqualTo(201);
		assertThat(response.json().get("bio").isNull()).isTrue();
		assertThat(response.json().get("avatarUrl").isNull()).isTrue();
		assertThat(response.json().get("locale").isNull()).isTrue();
	}

	@Test
	void getsProfileWithStrongEtagAndAnswersIfNoneMatchWith304() {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();

		ApiClient.Response response = this.api.get("/users/" + id);
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json()).isEqualTo(created);
		String etag = response.header("ETag");
		assertThat(etag).isEqualTo("\"" + id + "-1\"");

		ApiClient.Response notModified = this.api.get("/users/" + id, "If-None-Match", etag);
		assertThat(notModified.status()).isEqualTo(304);
		assertThat(notModified.body()).isEmpty();

		ApiClient.Response modified = this.api.get("/users/" + id, "If-None-Match", "\"" + id + "-0\"");
		assertThat(modified.status()).isEqualTo(200);
	}

	@Test
	void unknownProfileIs404Problem() {
		ApiClient.Response response = this.api.get("/users/987654321987");

		assertThat(response.status()).isEqualTo(404);
		assertThat(response.header("Content-Type")).startsWith("application/problem+json");
		JsonNode problem = response.json();
		assertThat(problem.get("type").asString()).isEqualTo("/problems/profile-not-found");
		assertThat(problem.get("title").asString()).isEqualTo("Profile not found");
		assertThat(problem.get("status").asInt()).isEqualTo(404);
		assertThat(problem.get("detail").asString()).contains("987654321987");
		assertThat(problem.get("instance").asString()).isEqualTo("/users/987654321987");
	}

	@Test
	void putReplacesMutableFieldsAndIncrementsVersion() {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();
		String handle = ApiClient.uniqueHandle();

		ApiClient.Response response = this.api.put("/users/" + id, """
				{"username": "%s", "email": "%s@example.org", "displayName": "Renamed"}""".formatted(handle, handle));

		assertThat(response.status()).isEqualTo(200);
		JsonNode updated = response.json();
		assertThat(updated.get("id").asLong()).isEqualTo(id);
		assertThat(updated.get("username").asString()).isEqualTo(handle);
		assertThat(updated.get("displayName").asString()).isEqualTo("Renamed");
		assertThat(updated.get("bio").isNull()).isTrue();
		assertThat(updated.get("version").asLong()).isEqualTo(2);
		assertThat(updated.get("createdAt")).isEqualTo(created.get("createdAt"));
		assertThat(Instant.parse(updated.get("updatedAt").asString()))
			.isAfter(Instant.parse(created.get("updatedAt").asString()));
		assertThat(response.header("ETag")).isEqualTo("\"" + id + "-2\"");
		assertThat(this.api.get("/users/" + id).json()).isEqualTo(updated);
	}

	@Test
	void putWithUnchangedFieldsKeepsTheVersion() {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();
		String sameFields = ApiClient.profileJson(created.get("username").asString(), created.get("email").asString(),
				created.get("displayName").asString());

		ApiClient.Response response = this.api.put("/users/" + id, sameFields);

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json()).isEqualTo(created);
	}

	@Test
	void putWithStaleIfMatchIs412AndChangesNothing() {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();
		String handle = ApiClient.uniqueHandle();
		String body = ApiClient.profileJson(handle, handle + "@example.com", "First");
		assertThat(this.api.put("/users/" + id, body, "If-Match", "\"" + id + "-1\"").status()).isEqualTo(200);

		ApiClient.Response stale = this.api.put("/users/" + id,
				ApiClient.profileJson(handle, handle + "@example.com", "Second"), "If-Match", "\"" + id + "-1\"");

		assertThat(stale.status()).isEqualTo(412);
		assertThat(stale.header("Content-Type")).startsWith("application/problem+json");
		assertThat(stale.json().get("detail").asString()).contains("\"" + id + "-2\"");
		JsonNode current = this.api.get("/users/" + id).json();
		assertThat(current.get("displayName").asString()).isEqualTo("First");
		assertThat(current.get("version").asLong()).isEqualTo(2);
	}

	@Test
	void putHonoursWildcardAndListsInIfMatch() {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();
		String body = ApiClient.profileJson(created.get("username").asString(), created.get("email").asString(),
				"Changed once");

		assertThat(this.api.put("/users/" + id, body, "If-Match", "*").status()).isEqualTo(200);
		String another = ApiClient.profileJson(created.get("username").asString(), created.get("email").asString(),
				"Changed twice");
		assertThat(this.api.put("/users/" + id, another, "If-Match", "\"" + id + "-1\", \"" + id + "-2\"").status())
			.isEqualTo(200);
		// A weak tag never matches: If-Match uses the strong comparison.
		assertThat(this.api.put("/users/" + id, body, "If-Match", "W/\"" + id + "-3\"").status()).isEqualTo(412);
	}

	@Test
	void putOnUnknownProfileIs404() {
		String handle = ApiClient.uniqueHandle();
		ApiClient.Response response = this.api.put("/users/987654321987",
				ApiClient.profileJson(handle, handle + "@example.com", "Nobody"));

		assertThat(response.status()).isEqualTo(404);
		assertThat(response.header("Content-Type")).startsWith("application/problem+json");
	}

	@Test
	void takenUsernameOrEmailIs409IgnoringCase() {
		JsonNode existing = this.api.createProfile();
		String otherHandle = ApiClient.uniqueHandle();

		ApiClient.Response sameUsername = this.api.post("/users",
				ApiClient.profileJson(existing.get("username").asString(), otherHandle + "@example.com", "Copycat"));
		ApiClient.Response sameEmail = this.api.post("/users", ApiClient.profileJson(otherHandle,
				existing.get("email").asString().toUpperCase(Locale.ROOT), "Copycat"));

		assertThat(sameUsername.status()).isEqualTo(409);
		assertThat(sameUsername.header("Content-Type")).startsWith("application/problem+json");
		assertThat(sameUsername.json().get("field").asString()).isEqualTo("username");
		assertThat(sameEmail.status()).isEqualTo(409);
		assertThat(sameEmail.json().get("field").asString()).isEqualTo("email");
		assertThat(this.api.get("/users?size=1").status()).isEqualTo(200);
	}

	@Test
	void putThatTakesAnotherProfilesEmailIs409AndChangesNothing() {
		JsonNode first = this.api.createProfile();
		JsonNode second = this.api.createProfile();
		long id = second.get("id").asLong();

		ApiClient.Response response = this.api.put("/users/" + id,
				ApiClient.profileJson(second.get("username").asString(), first.get("email").asString(), "Thief"));

		assertThat(response.status()).isEqualTo(409);
		assertThat(this.api.get("/users/" + id).json()).isEqualTo(second);
	}

	@Test
	void deleteIs204ThenTheProfileIsGone() {
		long id = this.api.createProfile().get("id").asLong();
		assertThat(this.api.get("/users/" + id).status()).isEqualTo(200);

		ApiClient.Response deleted = this.api.delete("/users/" + id);

		assertThat(deleted.status()).isEqualTo(204);
		assertThat(deleted.body()).isEmpty();
		assertThat(this.api.get("/users/" + id).status()).isEqualTo(404);
		ApiClient.Response again = this.api.delete("/users/" + id);
		assertThat(again.status()).isEqualTo(404);
		assertThat(again.header("Content-Type")).startsWith("application/problem+json");
	}

	@Test
	void deleteWithStaleIfMatchIs412AndDeletesNothing() {
		JsonNode created = this.api.createProfile();
		long id = created.get("id").asLong();
		String body = ApiClient.profileJson(created.get("username").asString(), created.get("email").asString(),
				"Changed");
		assertThat(this.api.put("/users/" + id, body).status()).isEqualTo(200);

		ApiClient.Response stale = this.api.delete("/users/" + id, "If-Match", "\"" + id + "-1\"");

		assertThat(stale.status()).isEqualTo(412);
		assertThat(stale.header("Content-Type")).startsWith("application/problem+json");
		assertThat(stale.json().get("detail").asString()).contains("\"" + id + "-2\"");
		ApiClient.Response current = this.api.get("/users/" + id);
		assertThat(current.status()).isEqualTo(200);
		assertThat(current.json().get("version").asLong()).isEqualTo(2);
	}

	@Test
	void deleteWithMatchingIfMatchDeletes() {
		long id = this.api.createProfile().get("id").asLong();

		ApiClient.Response deleted = this.api.delete("/users/" + id, "If-Match", "\"" + id + "-1\"");

		assertThat(deleted.status()).isEqualTo(204);
		assertThat(this.api.get("/users/" + id).status()).isEqualTo(404);
	}

	@Test
	void deleteHonoursWildcardAndListsInIfMatch() {
		long first = this.api.createProfile().get("id").asLong();
		long second = this.api.createProfile().get("id").asLong();
		long third = this.api.createProfile().get("id").asLong();

		// A weak tag never matches: If-Match uses the strong comparison.
		assertThat(this.api.delete("/users/" + third, "If-Match", "W/\"" + third + "-1\"").status()).isEqualTo(412);
		assertThat(this.api.get("/users/" + third).status()).isEqualTo(200);
		assertThat(this.api.delete("/users/" + first, "If-Match", "*").status()).isEqualTo(204);
		assertThat(
				this.api.delete("/users/" + second, "If-Match", "\"" + second + "-0\", \"" + second + "-1\"").status())
			.isEqualTo(204);
		assertThat(this.api.get("/users/" + first).status()).isEqualTo(404);
		assertThat(this.api.get("/users/" + second).status()).isEqualTo(404);
	}

	@Test
	void deleteOnUnknownProfileWithIfMatchIs404() {
		ApiClient.Response response = this.api.delete("/users/987654321987", "If-Match", "*");

		assertThat(response.status()).isEqualTo(404);
		assertThat(response.header("Content-Type")).startsWith("application/problem+json");
	}

	@Test
	void pagesThroughProfilesByKeysetInIdOrder() {
		List<Long> created = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			created.add(this.api.createProfile().get("id").asLong());
		}
		long before = created.get(0) - 1;
		JsonNode first = this.api.get("/users?after=" + before + "&size=2").json();
		assertThat(first.get("size").asInt()).isEqualTo(2);
		assertThat(ids(first)).containsExactly(created.get(0), created.get(1));
		assertThat(first.has("totalElements")).isFalse();

		String next = first.get("next").asString();
		assertThat(next).isEqualTo("/users?after=" + created.get(1) + "&size=2");
		JsonNode second = this.api.get(next).json();
		assertThat(ids(second).get(0)).isEqualTo(created.get(2));
	}

	@Test
	void theLastPageHasNoNext() {
		long last = this.api.createProfile().get("id").asLong();

		JsonNode page = this.api.get("/users?after=" + (last - 1)).json();

		assertThat(ids(page)).first().isEqualTo(last);
		assertThat(page.get("next").isNull()).isTrue();
	}

	@Test
	void pageSizeIsCappedAt100() {
		JsonNode page = this.api.get("/users?size=1000").json();

		assertThat(page.get("size").asInt()).isEqualTo(100);
		assertThat(page.get("content").size()).isLessThanOrEqualTo(100);
	}

	@Test
	void defaultPageIsTheFirst20() {
		JsonNode page = this.api.get("/users").json();

		assertThat(page.get("size").asInt()).isEqualTo(20);
		assertThat(ids(page)).isSorted();
	}

	private static List<Long> ids(JsonNode page) {
		List<Long> ids = new ArrayList<>();
		page.get("content").forEach((profile) -> ids.add(profile.get("id").asLong()));
		return ids;
	}

}
