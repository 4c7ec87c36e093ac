package dev.userprofiles;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;

import dev.userprofiles.infra.ServiceTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What operators see: probes on the main port, health with db and redis, and exactly the
 * Actuator endpoints we mean to expose.
 */
@ServiceTest
class OperationsTests {

	@LocalServerPort
	int port;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void exposesOnlyTheChosenEndpoints() throws Exception {
		JsonNode links = JsonMapper.builder().build().readTree(get("/actuator").body()).get("_links");

		assertThat(links.propertyNames())
			.allMatch((name) -> name.equals("self") || name.startsWith("health") || name.equals("info")
					|| name.startsWith("metrics") || name.equals("prometheus") || name.startsWith("caches"));
		assertThat(links.propertyNames()).contains("health", "info", "metrics", "prometheus", "caches");
		assertThat(get("/actuator/env").statusCode()).isEqualTo(404);
		assertThat(get("/actuator/beans").statusCode()).isEqualTo(404);
	}

	@Test
	void probesAnswerOnTheMainPort() throws Exception {
		assertThat(get("/livez").statusCode()).isEqualTo(200);
		assertThat(get("/readyz").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200);
	}

	@Test
	void healthShowsDatabaseAndRedisCluster() throws Exception {
		JsonNode components = JsonMapper.builder().build().readTree(get("/actuator/health").body()).get("components");

		assertThat(components.get("db").get("status").asString()).isEqualTo("UP");
		assertThat(components.get("redis").get("status").asString()).isEqualTo("UP");
		assertThat(components.get("redis").get("details").get("slots_up").asInt()).isEqualTo(16384);
	}

	@Test
	void prometheusExportsCacheMetrics() throws Exception {
		get("/users/1");

		String scrape = get("/actuator/prometheus").body();

		assertThat(scrape).contains("cache_gets_total{cache=\"users\"", "cache_puts_total{cache=\"users\"",
				"cache_breaker_state{state=\"closed\"}", "cache_breaker_state{state=\"open\"}");
	}

	@Test
	void cachesEndpointListsTheUsersCache() throws Exception {
		assertThat(get("/actuator/caches").body()).contains("\"users\"");
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
				BodyHandlers.ofString());
	}

}
