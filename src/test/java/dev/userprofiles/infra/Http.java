package dev.userprofiles.infra;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An HTTP client for concurrency and load tests: it never throws, it reports. A request
 * that fails to connect or exceeds the client timeout is a {@link Result} with status -1,
 * so a load loop counts it as failed instead of dying. Every request carries an admin
 * token.
 */
public final class Http {

	/** What a client waits for at most; a request not answered by then has failed. */
	public static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	public Result get(String url) {
		return send(HttpRequest.newBuilder(URI.create(url)).GET());
	}

	public Result delete(String url) {
		return send(HttpRequest.newBuilder(URI.create(url)).DELETE());
	}

	public Result post(String url, String body) {
		return send(HttpRequest.newBuilder(URI.create(url))
			.header("Content-Type", "application/json")
			.POST(BodyPublishers.ofString(body)));
	}

	public Result put(String url, String body) {
		return send(HttpRequest.newBuilder(URI.create(url))
			.header("Content-Type", "application/json")
			.PUT(BodyPublishers.ofString(body)));
	}

	private Result send(HttpRequest.Builder request) {
		request.header("Authorization", "Bearer " + TestTokens.admin());
		long start = System.nanoTime();
		try {
			var response = this.client.send(request.timeout(CLIENT_TIMEOUT).build(), BodyHandlers.ofString());
			return new Result(response.statusCode(), response.body(), System.nanoTime() - start);
		}
		catch (IOException ex) {
			return new Result(-1, ex.toString(), System.nanoTime() - start);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return new Result(-1, ex.toString(), System.nanoTime() - start);
		}
	}

	/** A profile as JSON, for creating or replacing one. */
	public static String profileJson(String username, String displayName) {
		return """
				{"username": "%s", "email": "%s@example.com", "displayName": "%s"}""".formatted(username, username,
				displayName);
	}

	/**
	 * One answer.
	 *
	 * @param status the HTTP status, or -1 when no answer came (connection refused,
	 * client timeout)
	 * @param body the body, or what went wrong
	 * @param nanos how long the request took
	 */
	public record Result(int status, String body, long nanos) {

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

	}

}
