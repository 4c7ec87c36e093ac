package dev.userprofiles.profile;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import dev.userprofiles.infra.TestTokens;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A raw HTTP client for end-to-end tests: it sends exactly the bytes and headers a test
 * names, so malformed requests reach the server as written. It sends an admin token
 * unless the test names its own {@code Authorization} header or asks for none.
 */
final class ApiClient {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final String base;

	private final @Nullable String token;

	ApiClient(int port) {
		this(port, TestTokens.admin());
	}

	/**
	 * A client that sends this token.
	 * @param token a bearer token, or {@code null} to send none
	 */
	ApiClient(int port, @Nullable String token) {
		this.base = "http://localhost:" + port;
		this.token = token;
	}

	@Nullable String token() {
		return this.token;
	}

	Response get(String path, String... headers) {
		return send("GET", path, null, BodyPublishers.noBody(), headers);
	}

	Response post(String path, String body, String... headers) {
		return send("POST", path, "application/json", BodyPublishers.ofString(body), headers);
	}

	Response put(String path, String body, String... headers) {
		return send("PUT", path, "application/json", BodyPublishers.ofString(body), headers);
	}

	Response delete(String path, String... headers) {
		return send("DELETE", path, null, BodyPublishers.noBody(), headers);
	}

	Response send(String method, String path, @Nullable String contentType, BodyPublisher body, String... headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.base + path))
			.timeout(Duration.ofSeconds(30))
			.method(method, body);
		if (contentType != null) {
			request.header("Content-Type", contentType);
		}
		boolean authorization = false;
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
			authorization |= headers[i].equalsIgnoreCase("Authorization");
		}
		if (!authorization && this.token != null) {
			request.header("Authorization", "Bearer " + this.token);
		}
		try {
			HttpResponse<String> response = this.http.send(request.build(), BodyHandlers.ofString());
			return new Response(response.statusCode(), response.headers(), response.body());
		}
		catch (IOException ex) {
			throw new IllegalStateException(method + " " + path + " failed", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(method + " " + path + " interrupted", ex);
		}
	}

	/** Creates a profile with unique username and e-mail and returns its JSON. */
	JsonNode createProfile() {
		String handle = uniqueHandle();
		Response response = post("/users", profileJson(handle, handle + "@example.com", "Test " + handle));
		if (response.status() != 201) {
			throw new IllegalStateException("Could not create a profile: " + response);
		}
		return response.json();
	}

	static String uniqueHandle() {
		return "u" + Long.toString(ThreadLocalRandom.current().nextLong(Long.MAX_VALUE), 36);
	}

	static String profileJson(String username, String email, String displayName) {
		return """
				{"username": "%s", "email": "%s", "displayName": "%s", "bio": "Writes tests",
				 "avatarUrl": "https://example.com/a.png", "locale": "en-GB"}""".formatted(username, email,
				displayName);
	}

	record Response(int status, HttpHeaders headers, String body) {

		JsonNode json() {
			return json.readTree(this.body);
		}

		@Nullable String header(String name) {
			return this.headers.firstValue(name).orElse(null);
		}

		@Override
		public String toString() {
			return this.status + " " + this.headers.map() + " " + this.body;
		}

	}

}
