package dev.userprofiles.infra;

import java.time.Duration;
import java.util.Locale;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.SpringApplication;

/**
 * Chooses, starts and remembers the JVM's one {@link TestInfrastructure}. A failure is
 * remembered too, so every test that needs the infrastructure fails with the same message
 * instead of starting it again.
 */
final class Infrastructure {

	private static final Log logger = LogFactory.getLog(Infrastructure.class);

	private static @Nullable TestInfrastructure started;

	private static @Nullable IllegalStateException failure;

	private Infrastructure() {
	}

	/** The infrastructure if it has been started, without starting it. */
	static synchronized @Nullable TestInfrastructure ifStarted() {
		return started;
	}

	static synchronized TestInfrastructure get() {
		if (started != null) {
			return started;
		}
		if (failure != null) {
			throw failure;
		}
		String requested = System.getProperty("infra", "auto").toLowerCase(Locale.ROOT);
		long start = System.nanoTime();
		try {
			TestInfrastructure infrastructure = switch (requested) {
				case "local" -> LocalInfrastructure.start();
				case "containers" -> ContainerInfrastructure.start();
				case "auto" -> ContainerInfrastructure.runtimeAnswers() ? ContainerInfrastructure.start()
						: LocalInfrastructure.start();
				default ->
					throw new IllegalStateException("Unknown -Dinfra=" + requested + "; use auto, containers or local");
			};
			// Runs after Boot has closed the contexts it knows (the launcher's),
			// so connection pools close before their servers stop.
			SpringApplication.getShutdownHandlers().add(infrastructure::close);
			logger.info("Test infrastructure '" + infrastructure.backend() + "' (requested: " + requested
					+ ") ready in " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms: Redis nodes "
					+ infrastructure.redisNodes() + ", Postgres " + infrastructure.jdbcUrl());
			started = infrastructure;
			return infrastructure;
		}
		catch (RuntimeException ex) {
			failure = (ex instanceof IllegalStateException state) ? state
					: new IllegalStateException("Test infrastructure (-Dinfra=" + requested + ") failed to start", ex);
			throw failure;
		}
	}

}
