package dev.userprofiles;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.userprofiles.infra.ReplicationSlots;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.infra.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard and the Prometheus rules in {@code observability/} query only
 * metrics the service really exports: after a short workload (create, read twice, update)
 * every metric name in their expressions is in the service's Prometheus scrape.
 */
class ObservabilityTests {

	private static final Path OBSERVABILITY = Path.of("observability");

	/** PromQL words that are not metric names. */
	private static final Set<String> PROMQL = Set.of("sum", "max", "min", "avg", "count", "rate", "increase",
			"histogram_quantile", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
			"irate", "offset", "bool");

	private static final String CHANGE_CAPTURE_SLOT = "observability";

	private static ServiceInstance service;

	private int port;

	private int managementPort;

	private final HttpClient http = HttpClient.newHttpClient();

	/**
	 * An instance of its own, with change capture on (a slot of its own), stopped after
	 * the test: the test JVM's other services run without it
	 * ({@code TestServiceDefaults}).
	 */
	@BeforeAll
	static void startService() {
		service = ServiceInstance.start(List.of(), "profiles.cdc.enabled=true",
				"profiles.cdc.slot=" + CHANGE_CAPTURE_SLOT);
	}

	@AfterAll
	static void stopService() {
		ServiceInstance.closeAll(service);
		ReplicationSlots.drop(TestInfrastructure.get(), CHANGE_CAPTURE_SLOT);
	}

	@BeforeEach
	void ports() {
		this.port = service.port();
		this.managementPort = service.managementPort();
	}

	@Test
	void everyMetricTheDashboardAndTheRulesQueryIsExported() throws Exception {
		Set<String> queried = new TreeSet<>();
		queried.addAll(metricNames(dashboardExpressions()));
		queried.addAll(metricNames(ruleExpressions()));
		assertThat(queried).as("metrics named by the dashboard and the rules")
			.contains("cache_gets_total", "http_server_requests_seconds_bucket", "hikaricp_connections_pending");

		workload();
		String scrape = send("GET", "http://localhost:" + this.managementPort + "/actuator/prometheus", null, null);

		Set<String> exported = new TreeSet<>();
		scrape.lines()
			.filter((line) -> !line.startsWith("#") && !line.isBlank())
			.forEach((line) -> exported.add(line.split("[{ ]", 2)[0]));
		assertThat(exported).as("metrics in the scrape after a short workload").containsAll(queried);
	}

	private void workload() throws IOException, InterruptedException {
		String users = "http://localhost:" + this.port + "/users";
		String handle = "obs" + System.nanoTime();
		String body = """
				{"username": "%s", "email": "%s@example.com", "displayName": "Observed"}""".formatted(handle, handle);
		JsonNode created = JsonMapper.builder().build().readTree(send("POST", users, body, TestTokens.admin()));
		String profile = users + "/" + created.get("id").asLong();
		send("GET", profile, null, TestTokens.admin());
		send("GET", profile, null, TestTokens.admin());
		send("PUT", profile, body.replace("Observed", "Observed again"), TestTokens.admin());
	}

	private String send(String method, String url, String body, String token) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
			.method(method, (body != null) ? BodyPublishers.ofString(body) : BodyPublishers.noBody());
		if (body != null) {
			request.header("Content-Type", "application/json");
		}
		if (token != null) {
			request.header("Authorization", "Bearer " + token);
		}
		var response = this.http.send(request.build(), BodyHandlers.ofString());
		assertThat(response.statusCode()).as(method + " " + url + ": " + response.body()).isLessThan(300);
		return response.body();
	}

	private static List<String> dashboardExpressions() throws IOException {
		JsonNode dashboard = JsonMapper.builder()
			.build()
			.readTree(Files.readString(OBSERVABILITY.resolve("grafana-dashboard.json")));
		List<String> expressions = new ArrayList<>();
		dashboard.get("panels")
			.forEach((panel) -> panel.get("targets")
				.forEach((target) -> expressions.add(target.get("expr").asString())));
		assertThat(expressions).isNotEmpty();
		return expressions;
	}

	private static List<String> ruleExpressions() throws IOException {
		JsonNode rules = YAMLMapper.builder()
			.build()
			.readTree(Files.readString(OBSERVABILITY.resolve("prometheus-rules.yaml")));
		List<String> expressions = new ArrayList<>();
		rules.get("groups")
			.forEach((group) -> group.get("rules").forEach((rule) -> expressions.add(rule.get("expr").asString())));
		assertThat(expressions).isNotEmpty();
		return expressions;
	}

	/**
	 * The metric names of PromQL expressions: what is left after label matchers, grouping
	 * clauses, ranges, strings and numbers are taken out, minus PromQL's own words and
	 * recording rules' names (which contain a colon).
	 */
	static Set<String> metricNames(List<String> expressions) {
		Set<String> names = new TreeSet<>();
		for (String expression : expressions) {
			String bare = expression.replaceAll("\"[^\"]*\"", "")
				.replaceAll("\\{[^}]*\\}", " ")
				.replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " ")
				.replaceAll("\\[[^]]*\\]", " ");
			Matcher matcher = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(bare);
			while (matcher.find()) {
				String word = matcher.group();
				if (!PROMQL.contains(word) && !word.contains(":")) {
					names.add(word);
				}
			}
		}
		return names;
	}

}
