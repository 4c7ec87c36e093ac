package dev.userprofiles.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * The cache settings the service ships with: its {@code application.yml} bound to its own
 * {@code ProfileCacheProperties}, defaults included, so that the tests and the benchmark
 * read the key prefix, TTLs and formats instead of keeping copies that go stale.
 */
public final class ShippedCacheSettings {

	private static final ProfileCacheProperties PROPERTIES = bind();

	private ShippedCacheSettings() {
	}

	/** {@code profiles.cache.key-prefix}. */
	public static String keyPrefix() {
		return PROPERTIES.keyPrefix();
	}

	/** {@code profiles.cache.ttl-jitter}: the share of a TTL added at random. */
	public static double ttlJitter() {
		return PROPERTIES.ttlJitter();
	}

	/** {@code profiles.cache.caches.<cache>.ttl}. */
	public static Duration ttl(String cache) {
		return spec(cache).ttl();
	}

	/** {@code profiles.cache.caches.<cache>.format}, in lower case as configured. */
	public static String format(String cache) {
		return spec(cache).format().name().toLowerCase(Locale.ROOT);
	}

	/** The Redis key of an entry: {@code <key-prefix><cache>::<id>}. */
	public static String key(String cache, Object id) {
		return keyPrefix() + cache + "::" + id;
	}

	private static ProfileCacheProperties.CacheSpec spec(String cache) {
		ProfileCacheProperties.CacheSpec spec = PROPERTIES.caches().get(cache);
		if (spec == null) {
			throw new IllegalArgumentException("application.yml configures no cache '" + cache + "'");
		}
		return spec;
	}

	private static ProfileCacheProperties bind() {
		List<PropertySource<?>> documents;
		try {
			documents = new YamlPropertySourceLoader().load("application.yml",
					new ClassPathResource("application.yml"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read the service's application.yml", ex);
		}
		// Bound as written: no profile documents, no placeholders to resolve.
		if (documents.size() != 1) {
			throw new IllegalStateException(
					"application.yml has " + documents.size() + " documents: bind the one the service uses by default");
		}
		Binder binder = new Binder(ConfigurationPropertySources.from(documents), null,
				ApplicationConversionService.getSharedInstance());
		return binder.bindOrCreate("profiles.cache", ProfileCacheProperties.class);
	}

}
