package dev.userprofiles.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.lettuce.core.internal.HostAndPort;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.lifecycle.Startable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * TLS-only servers in containers: three Redis nodes on the host network with no
 * plain-text port, and a Postgres that an init script switches to TLS, letting every role
 * but the superuser in over TLS only ({@code hostssl}).
 */
final class ContainerTlsServers implements TestInfrastructure.TlsServers {

	private static final String TLS = "/etc/test-tls/";

	/**
	 * Runs in the image's /docker-entrypoint-initdb.d as the postgres user, after the
	 * roles script: the key must belong to the server's user and be readable by it alone.
	 */
	private static final String ENABLE_TLS = """
			set -e
			install -m 0600 %1$sserver.key "$PGDATA/server.key"
			install -m 0644 %1$sserver.crt "$PGDATA/server.crt"
			printf "ssl = on\\nssl_cert_file = 'server.crt'\\nssl_key_file = 'server.key'\\n" >> "$PGDATA/postgresql.conf"
			printf 'local all all trust\\nhost all %2$s all scram-sha-256\\nhostssl all all all scram-sha-256\\nhostssl replication all all scram-sha-256\\n' > "$PGDATA/pg_hba.conf"
			""";

	private final PostgreSQLContainer postgres;

	private final List<GenericContainer<?>> redis;

	private final int[] redisPorts;

	private ContainerTlsServers(PostgreSQLContainer postgres, List<GenericContainer<?>> redis, int[] redisPorts) {
		this.postgres = postgres;
		this.redis = redis;
		this.redisPorts = redisPorts;
	}

	static ContainerTlsServers start(TestCertificates certificates) {
		PostgreSQLContainer postgres = withCertificates(new PostgreSQLContainer(DockerImageName.parse("postgres:17")),
				certificates)
			.withLabel(ContainerInfrastructure.LABEL, "postgres-tls")
			.withEnv(TestCredentials.get().databaseRolesEnvironment())
			.withCopyFileToContainer(
					MountableFile.forHostPath(DeploymentScripts.require(DeploymentScripts.POSTGRES_ROLES), 0755),
					"/docker-entrypoint-initdb.d/10-roles.sh")
			.withCopyToContainer(Transferable.of(ENABLE_TLS.formatted(TLS, "test"), 0755),
					"/docker-entrypoint-initdb.d/20-tls.sh");
		int[] ports = RedisClusterProcesses.freePortRange(3);
		List<GenericContainer<?>> redis = new ArrayList<>();
		for (int port : ports) {
			List<String> arguments = new ArrayList<>(RedisClusterProcesses.redisServerArguments(port, "/tmp"));
			arguments.addAll(RedisClusterProcesses.tlsServerArguments(port, TLS + "server.crt", TLS + "server.key",
					TLS + "ca.crt"));
			redis.add(withCertificates(ContainerInfrastructure.redisNode(port, arguments), certificates)
				.withLabel(ContainerInfrastructure.LABEL, "redis-tls-" + port));
		}
		ContainerTlsServers servers = new ContainerTlsServers(postgres, redis, ports);
		try {
			Startables.deepStart(Stream.concat(Stream.of(postgres), redis.stream()).map(Startable.class::cast)).join();
			servers.exec(String.join(" ", RedisClusterProcesses.clusterCreateCommand(ports, 0, cliTls())));
			for (int port : ports) {
				servers.awaitClusterOk(port);
			}
			return servers;
		}
		catch (RuntimeException ex) {
			servers.close();
			throw new IllegalStateException("TLS containers failed to start: " + ex.getMessage(), ex);
		}
	}

	private static <T extends GenericContainer<?>> T withCertificates(T container, TestCertificates certificates) {
		container.withCopyFileToContainer(MountableFile.forHostPath(certificates.caCertificate(), 0644), TLS + "ca.crt")
			.withCopyFileToContainer(MountableFile.forHostPath(certificates.serverCertificate(), 0644),
					TLS + "server.crt")
			// Readable by the server's user; the Postgres script installs its own copy.
			.withCopyFileToContainer(MountableFile.forHostPath(certificates.serverKey(), 0644), TLS + "server.key");
		return container;
	}

	private static List<String> cliTls() {
		return List.of("--tls", "--cacert", TLS + "ca.crt");
	}

	private void awaitClusterOk(int port) {
		long deadline = System.nanoTime() + 30_000_000_000L;
		String reply = "";
		while (System.nanoTime() < deadline) {
			reply = exec(String.join(" ", DeploymentScripts.redisCliAdmin()) + " " + String.join(" ", cliTls()) + " -p "
					+ port + " cluster info");
			if (reply.contains("cluster_state:ok")) {
				return;
			}
			try {
				Thread.sleep(200);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		throw new IllegalStateException("TLS Redis node " + port + " not ok within 30 s: " + reply);
	}

	private String exec(String command) {
		return ContainerInfrastructure.redisCliAsAdmin(this.redis.get(0), command);
	}

	@Override
	public List<HostAndPort> redisNodes() {
		return RedisClusterProcesses.addresses(this.redisPorts);
	}

	@Override
	public String jdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.postgres.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT) + "/"
				+ this.postgres.getDatabaseName();
	}

	@Override
	public void close() {
		this.redis.forEach(GenericContainer::stop);
		this.postgres.stop();
	}

}
