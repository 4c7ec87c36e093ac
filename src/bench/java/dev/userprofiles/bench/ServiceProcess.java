package dev.userprofiles.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.TestTokens;
import org.jspecify.annotations.Nullable;

/**
 * The service as a process of its own, started from the packaged jar: its start time, CPU
 * time and resident memory are its own, not the load generator's.
 */
public final class ServiceProcess implements AutoCloseable {

	private static final Pattern STARTED = Pattern.compile("Started \\S+ in ([0-9.]+) seconds");

	private final String name;

	private final Process process;

	private final int port;

	private final Path log;

	private final double readySeconds;

	private ServiceProcess(String name, Process process, int port, Path log, double readySeconds) {
		this.name = name;
		this.process = process;
		this.port = port;
		this.log = log;
		this.readySeconds = readySeconds;
	}

	/**
	 * Starts the jar and waits until {@code /readyz} answers 200.
	 * @param java the {@code java} executable
	 * @param jvmOptions options before {@code -jar}
	 * @param extraClasspath a directory added to the service's classpath (through Boot's
	 * {@code PropertiesLauncher}), or {@code null}
	 * @param properties {@code key=value} arguments
	 */
	public static ServiceProcess start(String name, Path java, Path jar, List<String> jvmOptions,
			@Nullable Path extraClasspath, List<String> properties, Path logDirectory) {
		int port = freePort();
		List<String> command = new ArrayList<>(List.of(java.toString()));
		command.addAll(jvmOptions);
		if (extraClasspath != null) {
			command.addAll(List.of("-Dloader.path=" + extraClasspath, "-cp", jar.toString(),
					"org.springframework.boot.loader.launch.PropertiesLauncher"));
		}
		else {
			command.addAll(List.of("-jar", jar.toString()));
		}
		command.add("--server.port=" + port);
		// Several services run at once: Actuator's port must not collide either.
		command.add("--management.server.port=0");
		// Authentication and rate limiting stay on: every variant pays for verifying the
		// load's token and for its bucket; the limit is raised, as a load test must.
		command.add("--" + TestTokens.publicKeyProperty());
		command.add("--profiles.rate-limit.capacity=1000000000");
		properties.forEach((property) -> command.add("--" + property));
		Path log = logDirectory.resolve(name + ".log");
		long start = System.nanoTime();
		Process process;
		try {
			Files.createDirectories(logDirectory);
			process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start " + command, ex);
		}
		ApiClient http = new ApiClient();
		long deadline = start + TimeUnit.SECONDS.toNanos(90);
		while (System.nanoTime() < deadline) {
			if (!process.isAlive()) {
				throw new IllegalStateException(
						name + " exited with " + process.exitValue() + " before it was ready: " + tail(log));
			}
			if (http.get("http://127.0.0.1:" + port + "/readyz").status() == 200) {
				return new ServiceProcess(name, process, port, log, (System.nanoTime() - start) / 1e9);
			}
			sleep(100);
		}
		process.destroyForcibly();
		throw new IllegalStateException(name + " was not ready within 90 s: " + tail(log));
	}

	String name() {
		return this.name;
	}

	public int port() {
		return this.port;
	}

	/** Seconds from launching the JVM until {@code /readyz} answered 200. */
	double readySeconds() {
		return this.readySeconds;
	}

	/** What Spring Boot logged as its start time ({@code Started ... in N seconds}). */
	double startedSeconds() {
		try {
			Matcher matcher = STARTED.matcher(Files.readString(this.log));
			return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
		}
		catch (IOException ex) {
			return Double.NaN;
		}
	}

	/** CPU time of the JVM so far, in seconds. */
	double cpuSeconds() {
		return CpuTime.of(List.of(this.process.toHandle()));
	}

	/** Resident set size in bytes, from {@code /proc/<pid>/status}. */
	long residentBytes() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc", Long.toString(this.process.pid()), "status"))) {
				if (line.startsWith("VmRSS:")) {
					return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			// not Linux or gone
		}
		return -1;
	}

	/** Stops the JVM by its pid (SIGTERM: a graceful shutdown), forcibly after 20 s. */
	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
		}
	}

	private static String tail(Path log) {
		try {
			List<String> lines = Files.readAllLines(log);
			return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException("No free port", ex);
		}
	}

	static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

}
