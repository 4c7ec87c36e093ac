package dev.userprofiles.infra;

import java.util.ArrayList;
import java.util.List;

import dev.userprofiles.UserProfileServiceApplication;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.MetadataReaderFactory;

/**
 * One running instance of the service on a random port, sharing this JVM's Redis Cluster
 * and Postgres with every other instance: what several pods behind a load balancer are.
 * Tests of races between instances start two or more.
 */
public final class ServiceInstance implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final int port;

	private ServiceInstance(ConfigurableApplicationContext context) {
		this.context = context;
		this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	/**
	 * Starts an instance.
	 * @param extraSources further bean sources (plain classes with {@code @Bean} methods,
	 * or beans such as a {@code BeanPostProcessor}); never component-scanned
	 * @param properties extra {@code key=value} properties; they override application.yml
	 */
	public static ServiceInstance start(List<Class<?>> extraSources, String... properties) {
		List<Class<?>> sources = new ArrayList<>(List.of(InfrastructureConfiguration.class));
		sources.addAll(extraSources);
		return launch(sources, properties);
	}

	/**
	 * Starts an instance configured by its properties alone, as a deployment configures
	 * the jar: not pointed at the {@link TestInfrastructure} (accounts and passwords
	 * still come from the test JVM's files, {@link TestSecretsImport}).
	 */
	public static ServiceInstance startFromProperties(String... properties) {
		return launch(List.of(), properties);
	}

	private static ServiceInstance launch(List<Class<?>> sources, String... properties) {
		// As command-line arguments: SpringApplicationBuilder.properties() would only set
		// defaults, which application.yml overrides.
		// Random ports for Actuator too: several instances run at once.
		List<String> arguments = new ArrayList<>(
				List.of("--server.port=0", "--management.server.port=0", "--spring.main.banner-mode=off"));
		List.of(properties).forEach((property) -> arguments.add("--" + property));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(UserProfileServiceApplication.class)
			.sources(sources.toArray(Class<?>[]::new))
			// As in @SpringBootTest: test configurations are imported, never scanned.
			.initializers((applicationContext) -> applicationContext.getBeanFactory()
				.registerSingleton(ExcludeTestConfigurations.class.getName(), new ExcludeTestConfigurations()))
			.run(arguments.toArray(String[]::new));
		return new ServiceInstance(context);
	}

	public int port() {
		return this.port;
	}

	/** The Actuator port. */
	public int managementPort() {
		return this.context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
	}

	public String url(String path) {
		return "http://localhost:" + this.port + path;
	}

	public <T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	@Override
	public void close() {
		this.context.close();
	}

	/**
	 * Closes the instances that were started; a test whose setup failed may have none.
	 */
	public static void closeAll(@Nullable ServiceInstance... instances) {
		for (ServiceInstance instance : instances) {
			if (instance != null) {
				instance.close();
			}
		}
	}

	/** Keeps component scanning away from {@code @TestConfiguration} classes. */
	private static final class ExcludeTestConfigurations extends TypeExcludeFilter {

		@Override
		public boolean match(MetadataReader reader, MetadataReaderFactory factory) {
			return reader.getAnnotationMetadata().hasAnnotation(TestConfiguration.class.getName());
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof ExcludeTestConfigurations;
		}

		@Override
		public int hashCode() {
			return ExcludeTestConfigurations.class.hashCode();
		}

	}

}
