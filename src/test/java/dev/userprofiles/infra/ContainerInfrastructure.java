package dev.userprofiles.infra;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import io.lettuce.core.internal.HostAndPort;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Containers through Testcontainers: Postgres 17 and six Redis 8 nodes on a network of
 * their own. The nodes announce their network aliases ({@code redis-0} ...
 * {@code redis-5}); tests on the host reach them through {@link #addressMapping()}, which
 * maps an announced address to the node's published port.
 */
final class ContainerInfrastructure implements TestInfrastructure {

	/** Label on every container started here, so a cleanup can find leftovers. */
	static final String LABEL = "dev.userprofiles.test-infrastructure";

	private static final int REDIS_PORT = 6379;

	private final Network network;

	private final PostgreSQLContainer postgres;

	private final List<GenericContainer<?>> redis;

	private final DockerClient docker = DockerClientFactory.instance().client();

	/**
	 * Announced host or container IP, port 6379, to the published address on the host.
	 */
	private final Map<String, HostAndPort> published = new ConcurrentHashMap<>();

	private ContainerInfrastructure(Network network, PostgreSQLContainer postgres, List<GenericContainer<?>> redis) {
		this.network = network;
		this.postgres = postgres;
		this.redis = redis;
	}

	static ContainerInfrastructure start() {
		if (!runtimeAnswers()) {
			throw new IllegalStateException("-Dinfra=containers needs a container runtime and none answers. "
					+ "Start one and point DOCKER_HOST at it (here: bash .ci/provision-podman.sh, then "
					+ "DOCKER_HOST=unix:///run/podman/podman.sock TESTCONTAINERS_RYUK_DISABLED=true "
					+ "TESTCONTAINERS_HOST_OVERRIDE=localhost), or run with -Dinfra=local");
		}
		Network network = Network.newNetwork();
		PostgreSQLContainer postgres = new PostgreSQLContainer(DockerImageName.parse("postgres:17")).withLabel(LABEL,
				"postgres");
		List<GenericContainer<?>> redis = new ArrayList<>();
		for (int i = 0; i < REDIS_NODES; i++) {
			redis.add(redisNode(network, i));
		}
		ContainerInfrastructure infrastructure = new ContainerInfrastructure(network, postgres, redis);
		try {
			Startables.deepStart(Stream.concat(Stream.of(postgres), redis.stream()).map(Startable.class::cast)).join();
			infrastructure.refreshAddresses();
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

	private static GenericContainer<?> redisNode(Network network, int index) {
		String alias = alias(index);
		return new GenericContainer<>(DockerImageName.parse("redis:8")).withNetwork(network)
			.withNetworkAliases(alias)
			.withCreateContainerCmdModifier((cmd) -> cmd.withHostName(alias))
			.withExposedPorts(REDIS_PORT)
			.withLabel(LABEL, alias)
			.withCommand("redis-server", "--port", String.valueOf(REDIS_PORT), "--protected-mode", "no",
					"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
					String.valueOf(RedisClusterProcesses.CLUSTER_NODE_TIMEOUT_MILLIS), "--cluster-announce-hostname",
					alias, "--cluster-preferred-endpoint-type", "hostname", "--dir", "/tmp", "--save", "",
					"--appendonly", "no")
			.waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
	}

	private static String alias(int index) {
		return "redis-" + index;
	}

	@Override
	public String backend() {
		return "containers";
	}

	@Override
	public List<HostAndPort> redisNodes() {
		List<HostAndPort> nodes = new ArrayList<>();
		for (int i = 0; i < REDIS_NODES; i++) {
			nodes.add(this.published.get(alias(i)));
		}
		return nodes;
	}

	@Override
	public UnaryOperator<HostAndPort> addressMapping() {
		return (address) -> (address.getPort() == REDIS_PORT)
				? this.published.getOrDefault(address.getHostText(), address) : address;
	}

	@Override
	public String jdbcUrl() {
		return this.postgres.getJdbcUrl();
	}

	@Override
	public String username() {
		return this.postgres.getUsername();
	}

	@Override
	public String password() {
		return this.postgres.getPassword();
	}

	@Override
	public void stopRedisNode(int index) {
		String id = this.redis.get(index).getContainerId();
		if (Boolean.TRUE.equals(this.docker.inspectContainerCmd(id).exec().getState().getRunning())) {
			this.docker.stopContainerCmd(id).withTimeout(5).exec();
		}
	}

	@Override
	public void startRedisNode(int index) {
		String id = this.redis.get(index).getContainerId();
		if (!Boolean.TRUE.equals(this.docker.inspectContainerCmd(id).exec().getState().getRunning())) {
			this.docker.startContainerCmd(id).exec();
		}
		// A restarted container may get a new IP and, with some runtimes, a new host
		// port.
		refreshAddresses();
	}

	@Override
	public void close() {
		for (GenericContainer<?> node : this.redis) {
			node.stop();
		}
		this.postgres.stop();
		this.network.close();
	}

	private void refreshAddresses() {
		for (int i = 0; i < REDIS_NODES; i++) {
			InspectContainerResponse info = this.docker.inspectContainerCmd(this.redis.get(i).getContainerId()).exec();
			Ports.Binding[] bindings = info.getNetworkSettings()
				.getPorts()
				.getBindings()
				.get(ExposedPort.tcp(REDIS_PORT));
			if (bindings == null || bindings.length == 0) {
				continue;
			}
			HostAndPort hostSide = HostAndPort.of(this.redis.get(i).getHost(),
					Integer.parseInt(bindings[0].getHostPortSpec()));
			this.published.put(alias(i), hostSide);
			for (ContainerNetwork network : info.getNetworkSettings().getNetworks().values()) {
				if (network.getIpAddress() != null && !network.getIpAddress().isEmpty()) {
					this.published.put(network.getIpAddress(), hostSide);
				}
			}
		}
	}

	private List<String> containerAddresses() {
		List<String> addresses = new ArrayList<>();
		for (GenericContainer<?> node : this.redis) {
			InspectContainerResponse info = this.docker.inspectContainerCmd(node.getContainerId()).exec();
			ContainerNetwork network = info.getNetworkSettings().getNetworks().values().iterator().next();
			addresses.add(network.getIpAddress() + ":" + REDIS_PORT);
		}
		return addresses;
	}

	private void createCluster() {
		// CLUSTER MEET needs IP addresses; the nodes still announce their hostnames.
		List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
		command.addAll(containerAddresses());
		command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
		try {
			ExecResult result = this.redis.get(0).execInContainer(command.toArray(String[]::new));
			if (result.getExitCode() != 0) {
				throw new IllegalStateException("redis-cli --cluster create failed (exit " + result.getExitCode()
						+ "): " + result.getStdout() + result.getStderr());
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run redis-cli in the redis-0 container", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while creating the Redis Cluster", ex);
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
