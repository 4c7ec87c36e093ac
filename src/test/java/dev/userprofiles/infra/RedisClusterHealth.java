package dev.userprofiles.infra;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.internal.HostAndPort;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a Redis Cluster is fully formed, asking each node directly:
 * {@code cluster_state:ok} is reported before every replica has attached, so replication
 * links are checked too.
 */
final class RedisClusterHealth {

	private static final Duration TIMEOUT = Duration.ofSeconds(60);

	private final List<HostAndPort> nodes;

	private final int replicasPerMaster;

	RedisClusterHealth(List<HostAndPort> nodes) {
		this(nodes, 1);
	}

	RedisClusterHealth(List<HostAndPort> nodes, int replicasPerMaster) {
		this.nodes = nodes;
		this.replicasPerMaster = replicasPerMaster;
	}

	/**
	 * Polls until every node is up, the cluster state is ok everywhere, and there are 3
	 * masters, each with its replicas' links up.
	 * @throws IllegalStateException with the last observed problem after a minute
	 */
	void awaitHealthy() {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		String problem = "not checked yet";
		RedisClient client = RedisClient.create();
		client.setDefaultTimeout(Duration.ofSeconds(2));
		try {
			while (System.nanoTime() < deadline) {
				problem = findProblem(client);
				if (problem == null) {
					return;
				}
				sleep(200);
			}
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
		throw new IllegalStateException("Redis Cluster did not become healthy within " + TIMEOUT + ": " + problem);
	}

	private @Nullable String findProblem(RedisClient client) {
		int masters = 0;
		int attachedReplicas = 0;
		List<String> problems = new ArrayList<>();
		for (HostAndPort node : this.nodes) {
			RedisURI uri = TestInfrastructure.redisAdminUri(node);
			try (StatefulRedisConnection<String, String> connection = client.connect(uri)) {
				RedisCommands<String, String> commands = connection.sync();
				if (!commands.clusterInfo().contains("cluster_state:ok")) {
					problems.add(node + " cluster_state not ok; its view:\n" + commands.clusterNodes());
				}
				String replication = commands.info("replication");
				if (replication.contains("role:master")) {
					masters++;
				}
				else if (replication.contains("master_link_status:up")) {
					attachedReplicas++;
				}
			}
			catch (RuntimeException ex) {
				problems.add(node + " unreachable (" + ex.getMessage() + ")");
			}
		}
		int wantedReplicas = 3 * this.replicasPerMaster;
		if (masters != 3 || attachedReplicas != wantedReplicas) {
			problems.add(masters + " masters and " + attachedReplicas + " attached replicas (want 3 and "
					+ wantedReplicas + ")");
		}
		return problems.isEmpty() ? null : String.join("; ", problems);
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for the Redis Cluster", ex);
		}
	}

}
