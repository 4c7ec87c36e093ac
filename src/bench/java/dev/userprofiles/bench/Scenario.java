package dev.userprofiles.bench;

import java.util.List;

import dev.userprofiles.bench.service.BootDefaultCaching;
import dev.userprofiles.bench.service.PreloadedMap;
import dev.userprofiles.cache.ShippedCacheSettings;
import dev.userprofiles.profile.ProfileCache;
import org.jspecify.annotations.Nullable;

/**
 * What the benchmark compares: the same packaged jar configured four ways, each a service
 * process of its own, and a mixed load of reads and writes on ours.
 */
enum Scenario {

	/** The service as shipped. */
	OURS("ours", false),

	/** {@code spring.cache.type=none}: every read goes to Postgres. */
	NO_CACHE("no cache", false, "spring.cache.type=none"),

	/** Spring Boot's default Redis cache: JDK serialization, no TTL, no leases. */
	TEXTBOOK("textbook", true, "spring.main.sources=" + BootDefaultCaching.class.getName(),
			"profiles.cache.near.enabled=false"),

	/** An in-process map filled at startup: what no remote cache can beat. */
	FLOOR("floor", true, "spring.cache.type=simple", "spring.main.sources=" + PreloadedMap.class.getName()),

	/** Reads and writes on ours. */
	MIXED("mixed", false);

	/** The read-only scenarios, each a service process of its own. */
	static final List<Scenario> SERVICES = List.of(OURS, NO_CACHE, TEXTBOOK, FLOOR);

	private final String label;

	private final boolean benchClasses;

	private final List<String> properties;

	Scenario(String label, boolean benchClasses, String... properties) {
		this.label = label;
		this.benchClasses = benchClasses;
		this.properties = List.of(properties);
	}

	/** Its name in results, logs and plots. */
	String label() {
		return this.label;
	}

	/** The scenario whose service process serves this one: mixed runs on ours. */
	Scenario service() {
		return (this == MIXED) ? OURS : this;
	}

	/** Its service needs the benchmark's configuration classes on its classpath. */
	boolean needsBenchClasses() {
		return this.benchClasses;
	}

	/** Properties its service starts with, on top of the benchmark's own. */
	List<String> properties() {
		return this.properties;
	}

	/**
	 * The prefix of its cache's Redis keys: ours as shipped
	 * ({@code profiles.cache.key-prefix}), textbook Boot's default (the cache name); none
	 * for the others.
	 */
	@Nullable String keyPrefix() {
		return switch (this) {
			case OURS, MIXED -> ShippedCacheSettings.keyPrefix() + ProfileCache.NAME + "::";
			case TEXTBOOK -> ProfileCache.NAME + "::";
			case NO_CACHE, FLOOR -> null;
		};
	}

	@Override
	public String toString() {
		return this.label;
	}

}
