package dev.userprofiles;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.List;

import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestTokens;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What operators see: Actuator on its own port with exactly the endpoints we mean to
 * expose, health with db and redis there, and on the API port nothing but the API and the
 * probes.
 */
@ServiceTest
class OperationsTests {

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void exposesOnlyTheChosenEndpointsOnTheManagementPort() throws Exception {
		JsonNode links = JsonMapper.builder().build().readTree(management("/actuator").body()).get("_links");

		assertThat(this.managementPort).isNotEqualTo(this.port);
		assertThat(links.propertyNames())
			.allMatch((name) -> name.equals("self") || name.startsWith("health") || name.equals("info")
					|| name.startsWith("metrics") || name.equals("prometheus") || name.startsWith("caches"));
		assertThat(links.propertyNames()).contains("health", "info", "metrics", "prometheus", "caches");
		// Endpoints that are not exposed are not opened to anonymous callers either.
		for (String hidden : List.of("/actuator/env", "/actuator/beans")) {
			assertThat(management(hidden).statusCode()).isEqualTo(401);
			assertThat(get(this.managementPort, hidden, TestTokens.admin()).statusCode()).isEqualTo(404);
		}
	}

	@Test
	void theApiPortServesTheProbesButNoActuator() throws Exception {
		assertThat(api("/livez").statusCode()).isEqualTo(200);
		assertThat(api("/readyz").statusCode()).isEqualTo(200);
		assertThat(api("/readyz").body()).doesNotContain("redis", "db");
		for (String path : List.of("/actuator", "/actuator/health", "/actuator/prometheus", "/actuator/caches")) {
			HttpResponse<String> response = api(path);
			assertThat(response.statusCode()).as(path + " on the API port").isEqualTo(404);
			assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		}
		assertThat(management("/actuator/health/liveness").statusCode()).isEqualTo(200);
		assertThat(management("/actuator/health/readiness").statusCode()).isEqualTo(200);
	}

	@Test
	void healthShowsDatabaseAndRedisCluster() throws Exception {
		JsonNode components = JsonMapper.builder()
			.build()
			.readTree(management("/actuator/health").body())
			.get("components");

		assertThat(components.get("db").get("status").asString()).isEqualTo("UP");
		assertThat(components.get("redis").get("status").asString()).isEqualTo("UP");
		assertThat(components.get("redis").get("details").get("slots_up").asInt()).isEqualTo(16384);
	}

	@Test
	void prometheusExportsCacheMetrics() throws Exception {
		api("/users/1");

		String scrape = management("/actuator/prometheus").body();

		assertThat(scrape).contains("cache_gets_total{cache=\"users\"", "cache_puts_total{cache=\"users\"",
				"cache_breaker_state{state=\"closed\"}", "cache_breaker_state{state=\"open\"}");
	}

	@Test
	void cachesEndpointListsTheUsersCache() throws Exception {
		assertThat(management("/actuator/caches").body()).contains("\"users\"");
	}

	/** With an admin token: what the API port has, not what a stranger may see. */
	private HttpResponse<String> api(String path) throws Exception {
		return get(this.port, path, TestTokens.admin());
	}

	/** Without a token: the management port is fenced by the network, not by tokens. */
	private HttpResponse<String> management(String path) throws Exception {
		return get(this.managementPort, path, null);
	}

	private HttpResponse<String> get(int port, String path, @Nullable String token) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
		if (token != null) {
			request.header("Authorization", "Bearer " + token);
		}
		return this.http.send(request.build(), BodyHandlers.ofString());
	}

}
