package dev.userprofiles.infra;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

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

	/** The name of the thread Spring Boot's JVM shutdown hook runs in. */
	private static final String BOOT_HOOK_THREAD = "SpringApplicationShutdownHook";

	private static final Duration BOOT_HOOK_GRACE = Duration.ofMillis(500);

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
			stopAtExit(infrastructure);
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

	/**
	 * Stops the infrastructure when the JVM exits, after Spring has closed its contexts:
	 * through Boot's shutdown handlers, which run after the contexts they know (so
	 * connection pools close before their servers stop). Boot registers its JVM hook only
	 * once an application has run, so a hook of ours stops the infrastructure when no
	 * test started one (a test of the cache writer alone); it waits for Boot's hook
	 * first, if that runs.
	 */
	private static void stopAtExit(TestInfrastructure infrastructure) {
		AtomicBoolean stopped = new AtomicBoolean();
		Runnable stop = () -> {
			if (stopped.compareAndSet(false, true)) {
				infrastructure.close();
			}
		};
		SpringApplication.getShutdownHandlers().add(stop);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			awaitBootShutdownHook();
			stop.run();
		}, "test-infrastructure-shutdown"));
	}

	/**
	 * Joins Boot's shutdown hook thread if it runs. The JVM starts every hook at once, in
	 * no set order, so it is looked for during a short grace period.
	 */
	private static void awaitBootShutdownHook() {
		long deadline = System.nanoTime() + BOOT_HOOK_GRACE.toNanos();
		do {
			for (Thread thread : Thread.getAllStackTraces().keySet()) {
				if (BOOT_HOOK_THREAD.equals(thread.getName())) {
					try {
						thread.join();
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
					return;
				}
			}
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		while (System.nanoTime() - deadline < 0);
	}

}
