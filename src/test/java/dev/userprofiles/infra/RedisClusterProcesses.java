package dev.userprofiles.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.internal.HostAndPort;
import org.jspecify.annotations.Nullable;

import org.springframework.util.FileSystemUtils;

/**
 * A Redis Cluster of {@code redis-server} processes (six: 3 masters with a replica each)
 * on 127.0.0.1, formed with {@code redis-cli --cluster create}. Each node keeps its
 * {@code nodes-<port>.conf}, so a stopped node restarts with the same identity.
 */
final class RedisClusterProcesses {

	/** Short, so that a killed master fails over within a few seconds in fault tests. */
	static final int CLUSTER_NODE_TIMEOUT_MILLIS = 2000;

	private static final String HOST = "127.0.0.1";

	private final Path directory;

	private final int[] ports;

	private final @Nullable Process[] processes;

	private final String[] commands;

	/** TLS only (no plain port) with these certificates, or {@code null}. */
	private final @Nullable TestCertificates tls;

	private RedisClusterProcesses(Path directory, int[] ports, @Nullable TestCertificates tls) {
		this.directory = directory;
		this.ports = ports;
		this.processes = new Process[ports.length];
		this.commands = new String[ports.length];
		this.tls = tls;
	}

	/** The cluster of the test infrastructure: 3 masters, each with a replica. */
	static RedisClusterProcesses start() {
		return start(1);
	}

	/** 3 masters, each with {@code replicasPerMaster} replicas. */
	static RedisClusterProcesses start(int replicasPerMaster) {
		RedisClusterProcesses cluster = create(3 * (1 + replicasPerMaster), null);
		try {
			cluster.createCluster(replicasPerMaster);
			new RedisClusterHealth(cluster.nodes(), replicasPerMaster).awaitHealthy();
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	/**
	 * A cluster of 3 masters without replicas that speaks TLS only (clients and cluster
	 * bus), presenting the server certificate of {@code certificates}.
	 */
	static RedisClusterProcesses startTls(TestCertificates certificates) {
		RedisClusterProcesses cluster = create(3, certificates);
		try {
			cluster.createCluster(0);
			for (int port : cluster.ports) {
				cluster.awaitCli(port, List.of("cluster", "info"), "cluster_state:ok");
			}
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	private static RedisClusterProcesses create(int nodes, @Nullable TestCertificates tls) {
		requireOnPath("redis-server");
		requireOnPath("redis-cli");
		RedisClusterProcesses cluster;
		try {
			cluster = new RedisClusterProcesses(Files.createTempDirectory("redis-cluster-"), freePortRange(nodes), tls);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot create a directory for the Redis Cluster", ex);
		}
		try {
			for (int i = 0; i < cluster.ports.length; i++) {
				cluster.startNode(i);
			}
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	List<HostAndPort> nodes() {
		return addresses(this.ports);
	}

	synchronized List<String> commands() {
		return List.of(this.commands);
	}

	synchronized List<ProcessHandle> processes() {
		List<ProcessHandle> running = new ArrayList<>();
		for (Process process : this.processes) {
			if (process != null) {
				running.add(process.toHandle());
			}
		}
		return running;
	}

	static List<HostAndPort> addresses(int[] ports) {
		List<HostAndPort> nodes = new ArrayList<>();
		for (int port : ports) {
			nodes.add(HostAndPort.of(HOST, port));
		}
		return nodes;
	}

	synchronized void startNode(int index) {
		if (this.processes[index] != null && this.processes[index].isAlive()) {
			return;
		}
		int port = this.ports[index];
		Path config = this.directory.resolve("node-" + port);
		List<String> command = new ArrayList<>(
				List.of("sh", DeploymentScripts.require(DeploymentScripts.REDIS_NODE).toString()));
		command.addAll(redisServerArguments(port, this.directory.toString()));
		if (this.tls != null) {
			command.addAll(tlsServerArguments(port, this.tls.serverCertificate().toString(),
					this.tls.serverKey().toString(), this.tls.caCertificate().toString()));
		}
		command.addAll(List.of("--logfile", this.directory.resolve("redis-" + port + ".log").toString()));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.directory.resolve("redis-" + port + ".out").toFile());
		this.commands[index] = String.join(" ", command);
		builder.environment().putAll(TestCredentials.get().redisNodeEnvironment());
		builder.environment().put("REDIS_CONFIG_DIR", config.toString());
		try {
			Files.createDirectories(config);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot create " + config, ex);
		}
		try {
			this.processes[index] = builder.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start redis-server on port " + port, ex);
		}
		if (this.tls == null) {
			awaitPong(port);
		}
		else {
			awaitCli(port, List.of("ping"), "PONG");
		}
	}

	synchronized void stopNode(int index) {
		Process process = this.processes[index];
		if (process == null) {
			return;
		}
		process.destroy();
		try {
			if (!process.waitFor(10, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.processes[index] = null;
	}

	/** Kills a node (SIGKILL): no shutdown, no waiting for its replicas. */
	synchronized void killNode(int index) {
		Process process = this.processes[index];
		if (process == null) {
			return;
		}
		try {
			process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.processes[index] = null;
	}

	void close() {
		for (int i = 0; i < this.processes.length; i++) {
			stopNode(i);
		}
		FileSystemUtils.deleteRecursively(this.directory.toFile());
	}

	private void createCluster(int replicas) {
		run(clusterCreateCommand(this.ports, replicas, cliTlsArguments(this.tls)),
				this.directory.resolve("cluster-create.log"));
	}

	/**
	 * Forms masters with {@code replicas} replicas each from nodes on 127.0.0.1, as the
	 * admin (password: REDISCLI_AUTH).
	 * @param tls {@code redis-cli}'s TLS arguments, empty for plain text
	 */
	static List<String> clusterCreateCommand(int[] ports, int replicas, List<String> tls) {
		List<String> command = new ArrayList<>(DeploymentScripts.redisCliAdmin());
		command.addAll(tls);
		command.addAll(List.of("--cluster", "create"));
		for (int port : ports) {
			command.add(HOST + ":" + port);
		}
		command.addAll(List.of("--cluster-replicas", String.valueOf(replicas), "--cluster-yes"));
		return command;
	}

	/** Polls a node with {@code redis-cli} until the reply contains {@code expected}. */
	private void awaitCli(int port, List<String> arguments, String expected) {
		List<String> command = new ArrayList<>(DeploymentScripts.redisCliAdmin());
		command.addAll(cliTlsArguments(this.tls));
		command.addAll(List.of("-h", HOST, "-p", String.valueOf(port)));
		command.addAll(arguments);
		Path log = this.directory.resolve("cli-" + port + ".log");
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		String reply = "";
		while (System.nanoTime() < deadline) {
			try {
				ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
					.redirectOutput(log.toFile());
				builder.environment().put("REDISCLI_AUTH", TestCredentials.get().redisAdminPassword());
				builder.start().waitFor(5, TimeUnit.SECONDS);
				reply = Files.readString(log);
				if (reply.contains(expected)) {
					return;
				}
				Thread.sleep(100);
			}
			catch (IOException ex) {
				reply = ex.toString();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		throw new IllegalStateException(
				"redis-cli " + arguments + " on port " + port + " did not answer " + expected + " in 30 s: " + reply);
	}

	/**
	 * TLS on {@code port} instead of plain text, for clients and the cluster bus; clients
	 * need no certificate of their own.
	 */
	static List<String> tlsServerArguments(int port, String certificate, String key, String ca) {
		return List.of("--port", "0", "--tls-port", String.valueOf(port), "--tls-cert-file", certificate,
				"--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no", "--tls-cluster", "yes",
				"--tls-replication", "yes");
	}

	static List<String> cliTlsArguments(@Nullable TestCertificates tls) {
		return (tls != null) ? List.of("--tls", "--cacert", tls.caCertificate().toString()) : List.of();
	}

	/**
	 * The arguments (after {@code redis-node.sh}, which renders the users and starts
	 * {@code redis-server} with them) of a cluster node on 127.0.0.1 that keeps its
	 * identity in {@code dir} and nothing else on disk: a cache needs no persistence.
	 * Replicas load a full resync straight from the socket: written to disk as
	 * {@code dump.rdb}, it was loaded again when the node restarted, and the old keys of
	 * slots the node no longer served put those slots in "importing" state and left the
	 * cluster failed after a later failover.
	 */
	static List<String> redisServerArguments(int port, String dir) {
		return List.of("--port", String.valueOf(port), "--bind", HOST, "--protected-mode", "no", "--cluster-enabled",
				"yes", "--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout",
				String.valueOf(CLUSTER_NODE_TIMEOUT_MILLIS), "--dir", dir, "--save", "", "--appendonly", "no",
				"--repl-diskless-load", "swapdb");
	}

	private static void run(List<String> command, Path log) {
		try {
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
			builder.environment().put("REDISCLI_AUTH", TestCredentials.get().redisAdminPassword());
			Process process = builder.start();
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException("Timed out: " + String.join(" ", command));
			}
			if (process.exitValue() != 0) {
				throw new IllegalStateException("Failed (exit " + process.exitValue() + "): "
						+ String.join(" ", command) + "\n" + Files.readString(log));
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run " + command.get(0), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted: " + String.join(" ", command), ex);
		}
	}

	static void awaitPong(int port) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < deadline) {
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress(HOST, port), 200);
				socket.setSoTimeout(1000);
				OutputStream out = socket.getOutputStream();
				out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
				InputStream in = socket.getInputStream();
				// Without authentication (the default user is off) the node answers
				// NOAUTH.
				String reply = new String(in.readNBytes(7), StandardCharsets.US_ASCII);
				if (reply.startsWith("+PONG") || reply.startsWith("-NOAUTH")) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		throw new IllegalStateException("redis-server on port " + port + " did not answer PING within 10 s");
	}

	private static void requireOnPath(String executable) {
		try {
			Process process = new ProcessBuilder(executable, "--version").redirectErrorStream(true).start();
			process.getInputStream().readAllBytes();
			if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0) {
				return;
			}
		}
		catch (IOException ex) {
			// reported below
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		throw new IllegalStateException("The local test infrastructure needs '" + executable
				+ "' on PATH (Debian: apt-get install redis-server redis-tools); or run with -Dinfra=containers");
	}

	/**
	 * Finds {@code count} consecutive free ports whose cluster bus ports (+10000) are
	 * free too.
	 */
	static int[] freePortRange(int count) {
		for (int attempt = 0; attempt < 100; attempt++) {
			// Bus ports (+10000) stay below the ephemeral range that starts at 32768.
			int base = ThreadLocalRandom.current().nextInt(15000, 22000);
			int[] ports = new int[count];
			boolean free = true;
			for (int i = 0; i < count && free; i++) {
				ports[i] = base + i;
				free = isFree(ports[i]) && isFree(ports[i] + 10000);
			}
			if (free) {
				return ports;
			}
		}
		throw new IllegalStateException("No free range of " + count + " ports (and bus ports) on " + HOST);
	}

	private static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
