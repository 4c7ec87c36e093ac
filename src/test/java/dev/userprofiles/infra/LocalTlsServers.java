package dev.userprofiles.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import io.lettuce.core.internal.HostAndPort;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.springframework.util.FileSystemUtils;

/**
 * TLS-only servers as local processes: a Redis Cluster with no plain-text port and an
 * embedded Postgres whose {@code pg_hba.conf} lets every role but the superuser in over
 * TLS only ({@code hostssl}).
 */
final class LocalTlsServers implements TestInfrastructure.TlsServers {

	private final RedisClusterProcesses redis;

	private final EmbeddedPostgres postgres;

	private final Path postgresData;

	private LocalTlsServers(RedisClusterProcesses redis, EmbeddedPostgres postgres, Path postgresData) {
		this.redis = redis;
		this.postgres = postgres;
		this.postgresData = postgresData;
	}

	static LocalTlsServers start(TestCertificates certificates) {
		Path data;
		EmbeddedPostgres postgres;
		try {
			data = Files.createTempDirectory("epg-tls");
			Path key = data.resolveSibling(data.getFileName() + "-server.key");
			Files.copy(certificates.serverKey(), key);
			// Postgres refuses a key others can read.
			Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
			Path hba = LocalInfrastructure.writeHbaFile(data, "hostssl");
			postgres = EmbeddedPostgres.builder()
				.setDataDirectory(data)
				.setCleanDataDirectory(true)
				.setPort(PostgresPort.chooseFree())
				.setServerConfig("ssl", "on")
				.setServerConfig("ssl_cert_file", certificates.serverCertificate().toString())
				.setServerConfig("ssl_key_file", key.toString())
				.setServerConfig("hba_file", hba.toString())
				.setRegisterShutdownHook(false)
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("The TLS Postgres did not start: " + ex.getMessage(), ex);
		}
		try {
			DeploymentScripts.createDatabaseRoles(postgres.getPort(), "postgres", "postgres", "postgres",
					data.resolveSibling(data.getFileName() + "-roles.log"));
			return new LocalTlsServers(RedisClusterProcesses.startTls(certificates), postgres, data);
		}
		catch (RuntimeException ex) {
			close(postgres, data);
			throw ex;
		}
	}

	@Override
	public List<HostAndPort> redisNodes() {
		return this.redis.nodes();
	}

	@Override
	public String jdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.postgres.getPort() + "/postgres";
	}

	@Override
	public void close() {
		this.redis.close();
		close(this.postgres, this.postgresData);
	}

	private static void close(EmbeddedPostgres postgres, Path data) {
		try {
			postgres.close();
		}
		catch (IOException ex) {
			// zonky logs a failed stop itself
		}
		FileSystemUtils.deleteRecursively(data.toFile());
		for (String sibling : List.of("-server.key", "-pg_hba.conf", "-roles.log")) {
			data.resolveSibling(data.getFileName() + sibling).toFile().delete();
		}
	}

}
