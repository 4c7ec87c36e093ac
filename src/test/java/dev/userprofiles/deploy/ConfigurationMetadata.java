package dev.userprofiles.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The configuration properties the application knows: Boot's own and ours, from every
 * {@code META-INF/spring-configuration-metadata.json} on the classpath (ours is generated
 * by the configuration processor into {@code target/classes}).
 */
final class ConfigurationMetadata {

	private record Property(String name, String type) {
	}

	private final List<Property> properties;

	private final int sources;

	private ConfigurationMetadata(List<Property> properties, int sources) {
		this.properties = properties;
		this.sources = sources;
	}

	static ConfigurationMetadata fromClasspath() {
		JsonMapper json = JsonMapper.builder().build();
		List<Property> properties = new ArrayList<>();
		int sources = 0;
		try {
			for (URL url : Collections.list(ConfigurationMetadata.class.getClassLoader()
				.getResources("META-INF/spring-configuration-metadata.json"))) {
				sources++;
				try (InputStream in = url.openStream()) {
					for (JsonNode property : json.readTree(in).path("properties")) {
						// Level "error": listed only to name the replacement; it binds to
						// nothing.
						if (!property.at("/deprecation/level").asString("").equals("error")) {
							properties.add(
									new Property(property.path("name").asString(), property.path("type").asString("")));
						}
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return new ConfigurationMetadata(properties, sources);
	}

	int sources() {
		return this.sources;
	}

	boolean hasProperty(String name) {
		return this.properties.stream().anyMatch((property) -> property.name().equals(name));
	}

	/**
	 * Whether an environment variable binds to a known property under Boot's relaxed
	 * rules for the system environment: upper case, dots as underscores, dashes removed;
	 * below a {@code Map} property, anything after its prefix is a key.
	 */
	boolean binds(String variable) {
		return this.properties.stream().anyMatch((property) -> {
			String prefix = environmentForm(property.name());
			return variable.equals(prefix)
					|| (property.type().startsWith("java.util.Map") && variable.startsWith(prefix + "_"));
		});
	}

	static String environmentForm(String property) {
		return property.replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT);
	}

}
