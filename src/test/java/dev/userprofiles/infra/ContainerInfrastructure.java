package dev.userprofiles.infra;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import io.lettuce.core.internal.HostAndPort;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Containers through Testcontainers: Postgres 17 on a fixed published port, and six Redis
 * 8 nodes on the host network, each on its own 127.0.0.1 port.
 * <p>
 * Host networking, because a Redis Cluster's bus remembers peers by IP: on a bridge
 * network a restarted container gets a new IP, and after a full restart no node can find
 * another. Here a node keeps its address across restarts, as the fault tests need, and
 * the addresses the cluster announces are the ones the host reaches.
 * <p>
 * Postgres publishes a host port chosen here rather than a random one: a random binding
 * may change when the container is stopped and started, and the application's connection
 * pool must find the restarted server at the URL it was given.
 */
final class ContainerInfrastructure implements TestInfrastructure {

	/** Label on every container started here, so a cleanup can find leftovers. */
	static final String LABEL = "dev.userprofiles.test-infrastructure";

	private final PostgreSQLContainer postgres;

	private final int postgresPort;

	private final List<GenericContainer<?>> redis;

	private final int[] redisPorts;

	private final DockerClient docker = DockerClientFactory.instance().client();

	private ContainerInfrastructure(PostgreSQLContainer postgres, int postgresPort, List<GenericContainer<?>> redis,
			int[] redisPorts) {
		this.postgres = postgres;
		this.postgresPort = postgresPort;
		this.redis = redis;
		this.redisPorts = redisPorts;
	}

	static ContainerInfrastructure start() {
		if (!runtimeAnswers()) {
			throw new IllegalStateException("-Dinfra=containers needs a container runtime and none answers. "
					+ "Start one and point DOCKER_HOST at it (here: bash .ci/provision-podman.sh, then "
					+ "DOCKER_HOST=unix:///run/podman/podman.sock TESTCONTAINERS_RYUK_DISABLED=true "
					+ "TESTCONTAINERS_HOST_OVERRIDE=localhost), or run with -Dinfra=local");
		}
		int postgresPort = PostgresPort.chooseFree();
		PostgreSQLContainer postgres = new PostgreSQLContainer(DockerImageName.parse("postgres:17"))
			.withLabel(LABEL, "postgres")
			// SQL statements per request, counted by the benchmark.
			.withCommand("postgres", "-c", "fsync=off", "-c", "shared_preload_libraries=pg_stat_statements", "-c",
					"wal_level=logical", "-c", "max_slot_wal_keep_size=256MB", "-c", "wal_sender_timeout=10s",
					// As the local backend (zonky): a test class runs up to 14 instances,
					// each
					// with a pool of 10.
					"-c", "max_connections=300")
			// The service's roles, created by the image's entrypoint as in compose and
			// k8s.
			.withEnv(TestCredentials.get().databaseRolesEnvironment())
			.withCopyFileToContainer(
					MountableFile.forHostPath(DeploymentScripts.require(DeploymentScripts.POSTGRES_ROLES), 0755),
					"/docker-entrypoint-initdb.d/10-roles.sh");
		postgres.setPortBindings(List.of(postgresPort + ":" + PostgreSQLContainer.POSTGRESQL_PORT));
		int[] ports = RedisClusterProcesses.freePortRange(REDIS_NODES);
		List<GenericContainer<?>> redis = new ArrayList<>();
		for (int port : ports) {
			redis.add(redisNode(port));
		}
		ContainerInfrastructure infrastructure = new ContainerInfrastructure(postgres, postgresPort, redis, ports);
		try {
			Startables.deepStart(Stream.concat(Stream.of(postgres), redis.stream()).map(Startable.class::cast)).join();
			infrastructure.createCluster();
			infrastructure.awaitHealthyCluster();
			return infrastructure;
		}
		catch (RuntimeException ex) {
			infrastructure.close();
			throw new IllegalStateException("Containers failed to start (images postgres:17 and redis:8 must exist "
					+ "locally: bash .ci/build-images.sh builds them): " + ex.getMessage(), ex);
		}
	}

	private static GenericContainer<?> redisNode(int port) {
		return redisNode(port, RedisClusterProcesses.redisServerArguments(port, "/tmp"));
	}

	/** A Redis node on the host network, started as in k8s through the node script. */
	static GenericContainer<?> redisNode(int port, List<String> arguments) {
		List<String> command = new ArrayList<>(List.of("sh", "/etc/redis-node/redis-node.sh"));
		command.addAll(arguments);
		return new GenericContainer<>(DockerImageName.parse("redis:8")).withNetworkMode("host")
			.withLabel(LABEL, "redis-" + port)
			// Users and passwords as in k8s: the node script renders them from the
			// environment into /tmp, never onto the command line.
			.withCopyFileToContainer(MountableFile.forHostPath(DeploymentScripts.require(DeploymentScripts.REDIS_NODE)),
					"/etc/redis-node/redis-node.sh")
			.withCopyFileToContainer(
					MountableFile.forHostPath(DeploymentScripts.require(DeploymentScripts.REDIS_USERS)),
					"/etc/redis-node/redis-users.acl")
			.withEnv(TestCredentials.get().redisNodeEnvironment())
			.withEnv("REDIS_CONFIG_DIR", "/tmp")
			.withCreateContainerCmdModifier((create) -> create.withEntrypoint(command.get(0)))
			.withCommand(command.subList(1, command.size()).toArray(String[]::new))
			.waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
	}

	@Override
	public String backend() {
		return "containers";
	}

	@Override
	public List<HostAndPort> redisNodes() {
		return RedisClusterProcesses.addresses(this.redisPorts);
	}

	@Override
	public List<String> redisCommands() {
		return this.redis.stream().map((node) -> {
			var config = this.docker.inspectContainerCmd(node.getContainerId()).exec().getConfig();
			return String.join(" ", config.getEntrypoint()) + " " + String.join(" ", config.getCmd());
		}).toList();
	}

	@Override
	public String jdbcUrl() {
		return this.postgres.getJdbcUrl();
	}

	@Override
	public String superuser() {
		return this.postgres.getUsername();
	}

	@Override
	public String superuserPassword() {
		return this.postgres.getPassword();
	}

	@Override
	public TlsServers startTlsServers(TestCertificates certificates) {
		return ContainerTlsServers.start(certificates);
	}

	@Override
	public void stopRedisNode(int index) {
		String id = this.redis.get(index).getContainerId();
		if (isRunning(id)) {
			this.docker.stopContainerCmd(id).withTimeout(5).exec();
		}
	}

	@Override
	public void killRedisNode(int index) {
		String id = this.redis.get(index).getContainerId();
		if (isRunning(id)) {
			this.docker.killContainerCmd(id).withSignal("KILL").exec();
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (isRunning(id) && System.nanoTime() < deadline) {
				try {
					Thread.sleep(50);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

	@Override
	public void startRedisNode(int index) {
		String id = this.redis.get(index).getContainerId();
		if (!isRunning(id)) {
			this.docker.startContainerCmd(id).exec();
		}
		RedisClusterProcesses.awaitPong(this.redisPorts[index]);
	}

	@Override
	public synchronized void stopDatabase() {
		String id = this.postgres.getContainerId();
		if (isRunning(id)) {
			// STOPSIGNAL SIGINT: a fast shutdown, nothing committed is lost.
			this.docker.stopContainerCmd(id).withTimeout(10).exec();
		}
		PostgresPort.awaitRefused(this.postgresPort, Duration.ofSeconds(10));
	}

	@Override
	public synchronized void startDatabase() {
		String id = this.postgres.getContainerId();
		if (!isRunning(id)) {
			this.docker.startContainerCmd(id).exec();
		}
		int published = publishedPostgresPort(id);
		if (published != this.postgresPort) {
			throw new IllegalStateException("The Postgres container came back on host port " + published
					+ " instead of " + this.postgresPort + ": the application's connection pool cannot find it");
		}
		PostgresPort.awaitAccepting(jdbcUrl(), superuser(), superuserPassword(), Duration.ofSeconds(60));
	}

	private int publishedPostgresPort(String containerId) {
		Ports.Binding[] bindings = this.docker.inspectContainerCmd(containerId)
			.exec()
			.getNetworkSettings()
			.getPorts()
			.getBindings()
			.get(ExposedPort.tcp(PostgreSQLContainer.POSTGRESQL_PORT));
		if (bindings == null || bindings.length == 0 || bindings[0].getHostPortSpec() == null) {
			throw new IllegalStateException("The Postgres container publishes no host port after its restart");
		}
		return Integer.parseInt(bindings[0].getHostPortSpec());
	}

	@Override
	public void close() {
		for (GenericContainer<?> node : this.redis) {
			node.stop();
		}
		this.postgres.stop();
	}

	private boolean isRunning(String containerId) {
		return Boolean.TRUE.equals(this.docker.inspectContainerCmd(containerId).exec().getState().getRunning());
	}

	private void createCluster() {
		redisCliAsAdmin(this.redis.get(0),
				String.join(" ", RedisClusterProcesses.clusterCreateCommand(this.redisPorts, 1, List.of())));
	}

	/**
	 * Runs a {@code redis-cli} command line in a Redis node's container as the admin,
	 * whose password is in the container's environment (exec passes it on), and returns
	 * its output.
	 */
	static String redisCliAsAdmin(GenericContainer<?> node, String command) {
		try {
			ExecResult result = node.execInContainer("sh", "-c",
					"REDISCLI_AUTH=\"$REDIS_ADMIN_PASSWORD\" exec " + command);
			if (result.getExitCode() != 0) {
				throw new IllegalStateException(command + " failed (exit " + result.getExitCode() + "): "
						+ result.getStdout() + result.getStderr());
			}
			return result.getStdout();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run " + command + " in a Redis container", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted: " + command, ex);
		}
	}

	static boolean runtimeAnswers() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

}
