package dev.userprofiles.profile;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input that only the real servlet container parses, so the web slice of
 * {@link BadInputTests} cannot send it: raw URIs Tomcat refuses before any servlet runs,
 * and a chunked body that grows over the limit while it is read. Each gets a problem and
 * leaves the table unchanged.
 */
@ServiceTest
class TomcatBadInputTests {

	/** The default {@code profiles.web.max-request-body}. */
	private static final int MAX_BODY_BYTES = 16 * 1024;

	private final int port;

	private final JdbcTemplate jdbc;

	TomcatBadInputTests(@LocalServerPort int port, @Autowired JdbcTemplate jdbc) {
		this.port = port;
		this.jdbc = jdbc;
	}

	/**
	 * URIs Tomcat itself refuses before any servlet runs; sent over a raw socket because
	 * {@code java.net.URI} refuses them too.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "/users/%zz", "/users/1%00", "/users/%" })
	void malformedUrisGetAProblemFromTheServletContainer(String rawPath) throws Exception {
		String tableBefore = this.jdbc.queryForObject(RequestMutationTests.SNAPSHOT, String.class);
		String response;
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write(("GET " + rawPath + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
			response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		}

		assertThat(response).startsWith("HTTP/1.1 400");
		assertThat(response).containsIgnoringCase("Content-Type: application/problem+json");
		JsonNode problem = JsonMapper.shared().readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
		assertThat(problem.get("type").asString()).isEqualTo("about:blank");
		assertThat(problem.get("title").asString()).isEqualTo("Bad Request");
		assertThat(problem.get("status").asInt()).isEqualTo(400);
		assertThat(problem.get("detail").asString()).isNotBlank();
		assertThat(problem.get("instance").asString()).isEqualTo(rawPath);
		assertThat(this.jdbc.queryForObject(RequestMutationTests.SNAPSHOT, String.class)).isEqualTo(tableBefore);
	}

	@ParameterizedTest
	@ValueSource(strings = { "POST", "PUT" })
	void chunkedBodyGrowingOverTheLimitGets413(String method) {
		ApiClient api = new ApiClient(this.port);
		String path = method.equals("POST") ? "/users" : "/users/" + api.createProfile().get("id").asLong();
		String tableBefore = this.jdbc.queryForObject(RequestMutationTests.SNAPSHOT, String.class);
		String handle = ApiClient.uniqueHandle();
		String small = ApiClient.profileJson(handle, handle + "@example.com", "Chunked");
		String oversized = small.replace("Writes tests",
				"b".repeat(MAX_BODY_BYTES + 1 - small.length() + "Writes tests".length()));
		byte[] bytes = oversized.getBytes(StandardCharsets.UTF_8);
		assertThat(bytes).hasSize(MAX_BODY_BYTES + 1);

		// An input stream of unknown length: the client sends it chunked, without a
		// Content-Length, so the limit is found while reading.
		ApiClient.Response response = api.send(method, path, "application/json",
				BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)));

		assertThat(response.status()).as("%s", response).isEqualTo(413);
		assertThat(response.header("Content-Type")).startsWith("application/problem+json");
		assertThat(response.json().get("status").asInt()).isEqualTo(413);
		assertThat(this.jdbc.queryForObject(RequestMutationTests.SNAPSHOT, String.class)).isEqualTo(tableBefore);
	}

}
