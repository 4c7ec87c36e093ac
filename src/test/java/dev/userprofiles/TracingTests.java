package dev.userprofiles;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceInstance;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The span tree of a request: a miss goes through the local level, the Redis level and a
 * fill whose database read brings JDBC spans; a hit ends at the local level; a write
 * waits for the invalidation's acknowledgements. Spans are captured in memory, every
 * request sampled.
 */
class TracingTests {

	private static final ApiClient http = new ApiClient();

	@Test
	void aMissAndAHitHaveTheSpanTreesOfTheirPaths() {
		ServiceInstance service = ServiceInstance.start(List.of(CapturedSpans.class),
				"management.tracing.sampling.probability=1.0",
				"management.opentelemetry.tracing.export.schedule-delay=50ms");
		try {
			InMemorySpanExporter spans = service.bean(InMemorySpanExporter.class);
			// Inserted behind the cache's back: the first read is a miss on both levels.
			long id = insertProfile(service.bean(JdbcTemplate.class));
			String url = service.url("/users/" + id);

			assertThat(http.get(url).status()).isEqualTo(200);
			List<SpanData> miss = requestTrace(spans, "GET");
			// The local level serves once this instance's bus membership is confirmed.
			List<SpanData> hit = await().atMost(Duration.ofSeconds(10)).until(() -> {
				spans.reset();
				assertThat(http.get(url).status()).isEqualTo(200);
				return requestTrace(spans, "GET");
			}, (trace) -> descendants(trace, root(trace)).stream()
				.anyMatch((span) -> span.getName().equals("cache.local") && "true".equals(attribute(span, "hit"))));
			spans.reset();
			assertThat(http.put(url, ApiClient.profileJson("traced" + id, "Traced again")).status()).isEqualTo(200);
			List<SpanData> write = requestTrace(spans, "PUT");

			System.out.println("[tracing] miss:\n" + tree(miss) + "[tracing] hit:\n" + tree(hit) + "[tracing] PUT:\n"
					+ tree(write));
			// Spring Security's own spans lie between the request's and the cache's.
			SpanData local = descendant(miss, root(miss), "cache.local");
			assertThat(local.getAttributes().asMap().toString()).contains("hit=false", "cache=users");
			SpanData redis = child(miss, local, "cache.redis");
			assertThat(redis.getAttributes().asMap().toString()).contains("hit=false");
			SpanData fill = child(miss, redis, "cache.fill");
			assertThat(descendants(miss, fill)).as("JDBC spans under the fill")
				.anyMatch((span) -> span.getName().equals("query"));

			SpanData hitLocal = descendant(hit, root(hit), "cache.local");
			assertThat(hitLocal.getAttributes().asMap().toString()).contains("hit=true");
			assertThat(descendants(hit, root(hit))).extracting(SpanData::getName)
				.doesNotContain("cache.redis", "cache.fill", "query");

			assertThat(descendants(write, root(write))).extracting(SpanData::getName)
				.contains("cache.invalidation", "query");
		}
		finally {
			service.close();
		}
	}

	private static long insertProfile(JdbcTemplate jdbc) {
		String handle = "traced" + System.nanoTime();
		Instant now = Instant.now();
		return jdbc.queryForObject("""
				insert into user_profiles (username, email, display_name, created_at, updated_at, version)
				values (?, ?, 'Traced', ?, ?, 1) returning id""", Long.class, handle, handle + "@example.com",
				java.sql.Timestamp.from(now), java.sql.Timestamp.from(now));
	}

	/** The spans of the one server request with this method, once its root has ended. */
	private static List<SpanData> requestTrace(InMemorySpanExporter spans, String method) {
		return await().atMost(Duration.ofSeconds(10)).until(() -> {
			Optional<SpanData> root = spans.getFinishedSpanItems()
				.stream()
				.filter((span) -> !span.getParentSpanContext().isValid())
				.filter((span) -> span.getName().toUpperCase().contains(method))
				.findFirst();
			return root
				.map((found) -> spans.getFinishedSpanItems()
					.stream()
					.filter((span) -> span.getTraceId().equals(found.getTraceId()))
					.toList())
				.orElse(null);
		}, (trace) -> trace != null);
	}

	private static String attribute(SpanData span, String key) {
		return span.getAttributes()
			.asMap()
			.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().getKey().equals(key))
			.map((entry) -> String.valueOf(entry.getValue()))
			.findFirst()
			.orElse(null);
	}

	private static SpanData root(List<SpanData> trace) {
		return trace.stream().filter((span) -> !span.getParentSpanContext().isValid()).findFirst().orElseThrow();
	}

	private static SpanData child(List<SpanData> trace, SpanData parent, String name) {
		return trace.stream()
			.filter((span) -> span.getParentSpanId().equals(parent.getSpanId()) && span.getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError(
					"no span '" + name + "' under '" + parent.getName() + "' in:\n" + tree(trace)));
	}

	private static SpanData descendant(List<SpanData> trace, SpanData ancestor, String name) {
		return descendants(trace, ancestor).stream()
			.filter((span) -> span.getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError(
					"no span '" + name + "' under '" + ancestor.getName() + "' in:\n" + tree(trace)));
	}

	private static List<SpanData> descendants(List<SpanData> trace, SpanData ancestor) {
		List<SpanData> found = new ArrayList<>();
		for (SpanData span : trace) {
			if (span.getParentSpanId().equals(ancestor.getSpanId())) {
				found.add(span);
				found.addAll(descendants(trace, span));
			}
		}
		return found;
	}

	private static String tree(List<SpanData> trace) {
		Map<String, List<SpanData>> children = trace.stream().collect(Collectors.groupingBy(SpanData::getParentSpanId));
		StringBuilder out = new StringBuilder();
		trace.stream()
			.filter((span) -> !span.getParentSpanContext().isValid())
			.forEach((root) -> print(root, children, "  ", out));
		return out.toString();
	}

	private static void print(SpanData span, Map<String, List<SpanData>> children, String indent, StringBuilder out) {
		out.append(indent).append(span.getName()).append(' ').append(span.getAttributes().asMap()).append('\n');
		for (SpanData child : children.getOrDefault(span.getSpanId(), List.of())) {
			print(child, children, indent + "  ", out);
		}
	}

	/** Every span, through Boot's batch processor (exporting every 50 ms here). */
	static class CapturedSpans {

		@Bean
		InMemorySpanExporter inMemorySpanExporter() {
			return InMemorySpanExporter.create();
		}

	}

}
