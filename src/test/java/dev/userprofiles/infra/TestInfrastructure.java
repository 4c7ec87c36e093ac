package dev.userprofiles.infra;

import java.util.List;

import io.lettuce.core.RedisURI;
import io.lettuce.core.internal.HostAndPort;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A running Redis Cluster (3 masters, 3 replicas) and Postgres, whichever backend started
 * them. {@link #get()} starts them once per JVM, chosen by
 * {@code -Dinfra=auto|containers|local}.
 */
public interface TestInfrastructure {

	/** Number of Redis nodes: 3 masters, each with one replica. */
	int REDIS_NODES = 6;

	/**
	 * The infrastructure of this JVM, started on first use.
	 * @throws IllegalStateException saying what is missing when it cannot start
	 */
	static TestInfrastructure get() {
		return Infrastructure.get();
	}

	/** {@code local} or {@code containers}. */
	String backend();

	/** Host-reachable addresses of the Redis nodes, by node index. */
	List<HostAndPort> redisNodes();

	/**
	 * A node's address with the admin's credentials, for tests that set up or watch the
	 * cluster; the service itself is a user with fewer rights.
	 */
	static RedisURI redisAdminUri(HostAndPort node) {
		return RedisURI.Builder.redis(node.getHostText(), node.getPort())
			.withAuthentication(TestCredentials.REDIS_ADMIN, TestCredentials.get().redisAdminPassword())
			.build();
	}

	/**
	 * The command lines the Redis nodes were started with (passwords must not be on
	 * them), by node index.
	 */
	List<String> redisCommands();

	String jdbcUrl();

	/**
	 * A started connection factory to the cluster, as the service's Redis user
	 * ({@link TestCredentials#REDIS_USER}), for tests of the cache layer without a Spring
	 * context. The caller destroys it.
	 */
	default LettuceConnectionFactory serviceRedisConnectionFactory() {
		RedisClusterConfiguration cluster = new RedisClusterConfiguration(
				redisNodes().stream().map(Object::toString).toList());
		cluster.setUsername(TestCredentials.REDIS_USER);
		cluster.setPassword(TestCredentials.get().redisPassword());
		LettuceConnectionFactory connectionFactory = new LettuceConnectionFactory(cluster);
		connectionFactory.afterPropertiesSet();
		connectionFactory.start();
		return connectionFactory;
	}

	/** The service's runtime role: rows only ({@link TestCredentials#DATABASE_USER}). */
	default String username() {
		return TestCredentials.DATABASE_USER;
	}

	default String password() {
		return TestCredentials.get().databasePassword();
	}

	/** A superuser of the database, for setting it up (roles, extensions). */
	String superuser();

	String superuserPassword();

	/** Stops one Redis node (SIGTERM); its cluster identity survives a restart. */
	void stopRedisNode(int index);

	/**
	 * Kills one Redis node (SIGKILL), as a crash would: unlike a stop, the node gets no
	 * chance to let its replicas catch up first.
	 */
	void killRedisNode(int index);

	/** Starts a stopped Redis node again with the same identity and address. */
	void startRedisNode(int index);

	/**
	 * Stops every node and then starts them again, waiting until the cluster is healthy.
	 */
	default void stopAllRedisNodes() {
		for (int i = 0; i < REDIS_NODES; i++) {
			stopRedisNode(i);
		}
	}

	default void startAllRedisNodes() {
		for (int i = 0; i < REDIS_NODES; i++) {
			startRedisNode(i);
		}
		awaitHealthyCluster();
	}

	/**
	 * Waits until every node is up and connected, all slots are served, and each master
	 * has a replica.
	 */
	default void awaitHealthyCluster() {
		new RedisClusterHealth(redisNodes()).awaitHealthy();
	}

	/**
	 * Stops Postgres (a clean, fast shutdown) so that connections to {@link #jdbcUrl()}
	 * are refused; open connections are closed by the server. Does nothing if it is
	 * already stopped.
	 */
	void stopDatabase();

	/**
	 * Starts Postgres again on the same address (so {@link #jdbcUrl()} and every
	 * connection pool using it stay valid) with the same data, waiting until it accepts
	 * connections. Does nothing but wait if it is running.
	 * @throws IllegalStateException when it cannot come back on the same address
	 */
	void startDatabase();

	/**
	 * The Redis and Postgres server processes on this host (Postgres: its postmaster,
	 * whose children are the backends), for CPU accounting; empty when they run in
	 * containers.
	 */
	default List<ProcessHandle> serverProcesses() {
		return List.of();
	}

	/**
	 * Starts, beside the main servers, a Redis Cluster of 3 masters and a Postgres that
	 * accept TLS connections only, with the server certificate of {@code certificates}
	 * and the same users, roles and passwords.
	 */
	TlsServers startTlsServers(TestCertificates certificates);

	/** Stops everything this infrastructure started. */
	void close();

	/** Servers that speak TLS only; the caller closes them. */
	interface TlsServers extends AutoCloseable {

		List<HostAndPort> redisNodes();

		/** The database's URL without any TLS parameter. */
		String jdbcUrl();

		@Override
		void close();

	}

}
