package dev.userprofiles.profile;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestTokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;
import static org.awaitility.Awaitility.await;

/**
 * Who may do what: scopes per call, owners and admins per profile, e-mail addresses for
 * owners and admins only, and a 401 or 403 problem that changes nothing for every bad or
 * missing credential.
 */
@ServiceTest
class AuthorizationTests {

	private static final TestTokens issuer = TestTokens.get();

	@LocalServerPort
	int port;

	private ApiClient admin;

	private JsonNode profile;

	private String owner;

	@BeforeEach
	void createProfile() {
		this.admin = new ApiClient(this.port);
		// A failover test before this class may leave writes unconfirmed (503) for a
		// while.
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
			String handle = ApiClient.uniqueHandle();
			ApiClient.Response created = this.admin.post("/users",
					ApiClient.profileJson(handle, handle + "@example.com", "Test " + handle));
			this.profile = (created.status() == 201) ? created.json() : null;
			return this.profile != null;
		});
		this.owner = this.profile.get("username").asString();
	}

	@Test
	void badOrMissingTokensGet401AndChangeNothing() {
		String valid = issuer.token(this.owner, Duration.ofHours(1), ProfileScopes.READ, ProfileScopes.WRITE,
				ProfileScopes.ADMIN);
		Map<String, String> tokens = new LinkedHashMap<>();
		tokens.put("no token", null);
		tokens.put("expired", issuer.token(this.owner, Duration.ofMinutes(-5), ProfileScopes.ADMIN));
		tokens.put("signed by another key", TestTokens.untrusted()
			.token(this.owner, Duration.ofHours(1), ProfileScopes.READ, ProfileScopes.WRITE, ProfileScopes.ADMIN));
		tokens.put("alg none", unsigned(valid));
		tokens.put("signature cut off", valid.substring(0, valid.lastIndexOf('.') + 1));
		tokens.put("not a JWT", "hello");
		long id = this.profile.get("id").asLong();
		assertSoftly((softly) -> tokens.forEach((name, token) -> {
			ApiClient client = new ApiClient(this.port, token);
			for (ApiClient.Response response : everyCall(client, id)) {
				softly.assertThat(response.status()).as(name + ": " + response).isEqualTo(401);
				softly.assertThat(response.header("WWW-Authenticate")).as(name).startsWith("Bearer");
				softly.assertThat(response.header("Content-Type")).as(name).startsWith("application/problem+json");
				softly.assertThat(response.json().get("status").asInt()).as(name).isEqualTo(401);
			}
		}));
		assertUnchanged(id);
	}

	@Test
	void aMissingScopeGets403AndChangesNothing() {
		long id = this.profile.get("id").asLong();
		ApiClient reader = client(this.owner, ProfileScopes.READ);
		ApiClient writer = client(this.owner, ProfileScopes.WRITE);
		List<ApiClient.Response> denied = List.of(reader.get("/users"), writer.get("/users"),
				writer.get("/users/" + id), reader.put("/users/" + id, changedBody()),
				reader.post("/users", ApiClient.profileJson(this.owner + "x", this.owner + "x@example.com", "X")),
				reader.delete("/users/" + id));
		assertSoftly((softly) -> denied.forEach((response) -> {
			softly.assertThat(response.status()).as(response.toString()).isEqualTo(403);
			softly.assertThat(response.header("WWW-Authenticate")).contains("insufficient_scope");
			softly.assertThat(response.header("Content-Type")).startsWith("application/problem+json");
		}));
		assertUnchanged(id);
	}

	@Test
	void aStrangerMayReadButNotChangeOrDelete() {
		long id = this.profile.get("id").asLong();
		ApiClient stranger = client("someone-else", ProfileScopes.READ, ProfileScopes.WRITE);

		ApiClient.Response put = stranger.put("/users/" + id, changedBody());
		ApiClient.Response delete = stranger.delete("/users/" + id);
		ApiClient.Response read = stranger.get("/users/" + id);

		assertThat(put.status()).isEqualTo(403);
		assertThat(put.header("Content-Type")).startsWith("application/problem+json");
		assertThat(delete.status()).isEqualTo(403);
		assertThat(read.status()).isEqualTo(200);
		assertUnchanged(id);
	}

	@Test
	void onlyAnAdminMayCreateOrRenameAProfileForAnotherUsername() {
		String handle = ApiClient.uniqueHandle();
		ApiClient user = client(handle, ProfileScopes.READ, ProfileScopes.WRITE);

		ApiClient.Response forSomeoneElse = user.post("/users",
				ApiClient.profileJson(handle + "x", handle + "x@example.com", "Not me"));
		ApiClient.Response forMe = user.post("/users", ApiClient.profileJson(handle, handle + "@example.com", "Me"));
		long id = forMe.json().get("id").asLong();
		ApiClient.Response rename = user.put("/users/" + id,
				ApiClient.profileJson(handle + "y", handle + "@example.com", "Me"));

		assertThat(forSomeoneElse.status()).isEqualTo(403);
		assertThat(this.admin.get("/users?after=" + (id - 1) + "&size=100").json().get("content").toString())
			.doesNotContain(handle + "x");
		assertThat(forMe.status()).isEqualTo(201);
		assertThat(rename.status()).isEqualTo(403);
		assertThat(this.admin.get("/users/" + id).json().get("username").asString()).isEqualTo(handle);
	}

	@Test
	void theOwnerMayChangeAndDeleteTheirProfile() {
		long id = this.profile.get("id").asLong();
		ApiClient owner = client(this.owner, ProfileScopes.READ, ProfileScopes.WRITE);

		ApiClient.Response put = owner.put("/users/" + id, changedBody(), "If-Match",
				"\"" + id + "-" + this.profile.get("version").asLong() + "\"");
		ApiClient.Response delete = owner.delete("/users/" + id);

		assertThat(put.status()).isEqualTo(200);
		assertThat(put.json().get("displayName").asString()).isEqualTo("Changed");
		assertThat(delete.status()).isEqualTo(204);
		assertThat(this.admin.get("/users/" + id).status()).isEqualTo(404);
	}

	@Test
	void theEmailAddressIsShownToItsOwnerAndAdminsOnly() {
		long id = this.profile.get("id").asLong();
		String email = this.profile.get("email").asString();
		ApiClient stranger = client("someone-else", ProfileScopes.READ);
		ApiClient owner = client(this.owner, ProfileScopes.READ);

		ApiClient.Response forStranger = stranger.get("/users/" + id);
		ApiClient.Response forOwner = owner.get("/users/" + id);
		ApiClient.Response forAdmin = this.admin.get("/users/" + id);

		assertThat(forStranger.json().has("email")).isFalse();
		assertThat(forStranger.body()).doesNotContain(email);
		assertThat(forOwner.json().get("email").asString()).isEqualTo(email);
		assertThat(forAdmin.json().get("email").asString()).isEqualTo(email);
		for (ApiClient.Response response : List.of(forStranger, forOwner, forAdmin)) {
			assertThat(response.header("Vary")).contains("Authorization");
			assertThat(response.header("Cache-Control")).contains("private");
		}
		// Two representations, two tags: neither revalidates the other.
		String publicTag = forStranger.header("ETag");
		String fullTag = forOwner.header("ETag");
		assertThat(publicTag).isNotEqualTo(fullTag);
		assertThat(forAdmin.header("ETag")).isEqualTo(fullTag);
		assertThat(stranger.get("/users/" + id, "If-None-Match", publicTag).status()).isEqualTo(304);
		assertThat(owner.get("/users/" + id, "If-None-Match", fullTag).status()).isEqualTo(304);
		ApiClient.Response ownerWithPublicTag = owner.get("/users/" + id, "If-None-Match", publicTag);
		assertThat(ownerWithPublicTag.status()).isEqualTo(200);
		assertThat(ownerWithPublicTag.json().get("email").asString()).isEqualTo(email);
		assertThat(stranger.get("/users/" + id, "If-None-Match", fullTag).status()).isEqualTo(200);
	}

	@Test
	void probesNeedNoToken() {
		ApiClient anonymous = new ApiClient(this.port, null);

		assertThat(anonymous.get("/livez").status()).isEqualTo(200);
		assertThat(anonymous.get("/readyz").status()).isEqualTo(200);
	}

	private ApiClient client(String subject, String... scopes) {
		return new ApiClient(this.port, issuer.token(subject, Duration.ofHours(1), scopes));
	}

	private List<ApiClient.Response> everyCall(ApiClient client, long id) {
		String other = ApiClient.uniqueHandle();
		return List.of(client.get("/users/" + id), client.get("/users"), client.put("/users/" + id, changedBody()),
				client.post("/users", ApiClient.profileJson(other, other + "@example.com", "Intruder")),
				client.delete("/users/" + id));
	}

	private String changedBody() {
		return ApiClient.profileJson(this.owner, this.profile.get("email").asString(), "Changed");
	}

	private void assertUnchanged(long id) {
		JsonNode now = this.admin.get("/users/" + id).json();
		assertThat(now.get("version").asLong()).isEqualTo(this.profile.get("version").asLong());
		assertThat(now.get("displayName").asString()).isEqualTo(this.profile.get("displayName").asString());
		assertThat(this.admin.get("/users?after=" + id + "&size=100").json().get("content").toString())
			.doesNotContain("Intruder");
	}

	/** The same claims with {@code "alg": "none"} and no signature. */
	private static String unsigned(String token) {
		String payload = token.split("\\.")[1];
		String header = Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
		return header + "." + payload + ".";
	}

}
