package dev.userprofiles.cache;

import java.util.function.Function;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;

/**
 * The cache layer's spans, children of the request's span: which level answered
 * ({@code cache.local}, {@code cache.redis}, tagged {@code hit}), a wait for another
 * instance's read ({@code cache.lease.wait}), a fill ({@code cache.fill}, whose database
 * read brings its JDBC spans) and a write's wait for every instance to drop the old
 * version ({@code cache.invalidation}). Micrometer's {@link Tracer} directly rather than
 * Observations: these run on the hot path, and an Observation would also time each of
 * them as a metric.
 */
final class CacheTracing {

	/** No spans: for caches built without tracing on the classpath or in tests. */
	static final CacheTracing NONE = new CacheTracing(Tracer.NOOP);

	private final Tracer tracer;

	CacheTracing(Tracer tracer) {
		this.tracer = tracer;
	}

	/**
	 * Runs {@code work} in a new span named {@code name}, tagged with the cache's name.
	 */
	<T> T inSpan(String name, String cache, Function<Span, T> work) {
		Span span = this.tracer.nextSpan().name(name).tag("cache", cache).start();
		try (Tracer.SpanInScope scope = this.tracer.withSpan(span)) {
			return work.apply(span);
		}
		catch (RuntimeException | Error ex) {
			span.error(ex);
			throw ex;
		}
		finally {
			span.end();
		}
	}

	void inSpan(String name, String cache, Runnable work) {
		inSpan(name, cache, (span) -> {
			work.run();
			return null;
		});
	}

}
