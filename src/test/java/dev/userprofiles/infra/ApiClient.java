package dev.userprofiles.infra;

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
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tests' one HTTP client of the service. It sends exactly the bytes and headers a
 * test names, so malformed requests reach the server as written, and an admin token
 * unless the test names its own {@code Authorization} header or asks for none. It never
 * throws: a request that fails to connect or is not answered within
 * {@link #CLIENT_TIMEOUT} is a {@link Response} with status -1, so a load loop counts it
 * as failed instead of dying, and an end-to-end test's assertion shows what went wrong.
 */
public final class ApiClient {

	/** What a client waits for at most; a request not answered by then has failed. */
	public static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final HttpHeaders NO_HEADERS = HttpHeaders.of(Map.of(), (name, value) -> true);

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private final URI base;

	private final @Nullable String token;

	/**
	 * A client of absolute URLs, such as a {@link ServiceInstance}'s, with an admin
	 * token.
	 */
	public ApiClient() {
		this(URI.create("http://localhost/"), TestTokens.admin());
	}

	/** A client of the service on this local port, with an admin token. */
	public ApiClient(int port) {
		this(port, TestTokens.admin());
	}

	/**
	 * A client of the service on this local port that sends this token.
	 * @param token a bearer token, or {@code null} to send none
	 */
	public ApiClient(int port, @Nullable String token) {
		this(URI.create("http://localhost:" + port + "/"), token);
	}

	private ApiClient(URI base, @Nullable String token) {
		this.base = base;
		this.token = token;
	}

	public @Nullable String token() {
		return this.token;
	}

	/** GET a path of this client's service, or an absolute URL. */
	public Response get(String target, String... headers) {
		return send("GET", target, null, BodyPublishers.noBody(), headers);
	}

	public Response post(String target, String body, String... headers) {
		return send("POST", target, "application/json", BodyPublishers.ofString(body), headers);
	}

	public Response put(String target, String body, String... headers) {
		return send("PUT", target, "application/json", BodyPublishers.ofString(body), headers);
	}

	public Response delete(String target, String... headers) {
		return send("DELETE", target, null, BodyPublishers.noBody(), headers);
	}

	/**
	 * Sends one request.
	 * @param target a path of this client's service, or an absolute URL
	 * @param headers names and values, alternating
	 */
	public Response send(String method, String target, @Nullable String contentType, BodyPublisher body,
			String... headers) {
		// Not base.resolve(target): it would normalize the dot segments some tests send.
		URI uri = target.startsWith("http:") ? URI.create(target)
				: URI.create(this.base.toString().replaceFirst("/$", "") + target);
		HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(CLIENT_TIMEOUT).method(method, body);
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
		long start = System.nanoTime();
		try {
			HttpResponse<String> response = this.http.send(request.build(), BodyHandlers.ofString());
			return new Response(response.statusCode(), response.headers(), response.body(), System.nanoTime() - start);
		}
		catch (IOException ex) {
			return new Response(-1, NO_HEADERS, method + " " + uri + ": " + ex, System.nanoTime() - start);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return new Response(-1, NO_HEADERS, method + " " + uri + ": " + ex, System.nanoTime() - start);
		}
	}

	/** Creates a profile with unique username and e-mail and returns its JSON. */
	public JsonNode createProfile() {
		String handle = uniqueHandle();
		Response response = post("/users", profileJson(handle, handle + "@example.com", "Test " + handle));
		if (response.status() != 201) {
			throw new IllegalStateException("Could not create a profile: " + response);
		}
		return response.json();
	}

	public static String uniqueHandle() {
		return "u" + Long.toString(ThreadLocalRandom.current().nextLong(Long.MAX_VALUE), 36);
	}

	/** A profile with the required fields only, for creating or replacing one. */
	public static String profileJson(String username, String displayName) {
		return """
				{"username": "%s", "email": "%s@example.com", "displayName": "%s"}""".formatted(username, username,
				displayName);
	}

	/** A profile with every field. */
	public static String profileJson(String username, String email, String displayName) {
		return """
				{"username": "%s", "email": "%s", "displayName": "%s", "bio": "Writes tests",
				 "avatarUrl": "https://example.com/a.png", "locale": "en-GB"}""".formatted(username, email,
				displayName);
	}

	/**
	 * One answer.
	 *
	 * @param status the HTTP status, or -1 when no answer came (connection refused,
	 * client timeout)
	 * @param headers the answer's headers, none without an answer
	 * @param body the body, or what went wrong
	 * @param nanos how long the request took
	 */
	public record Response(int status, HttpHeaders headers, String body, long nanos) {

		/** No answer or a server error: what a load test must never see. */
		public boolean failed() {
			return this.status < 0 || this.status >= 500;
		}

		public JsonNode json() {
			return json.readTree(this.body);
		}

		public long id() {
			return json().get("id").asLong();
		}

		public long version() {
			return json().get("version").asLong();
		}

		public @Nullable String header(String name) {
			return this.headers.firstValue(name).orElse(null);
		}

		@Override
		public String toString() {
			return this.status + " " + this.headers.map() + " " + this.body;
		}

	}

}
