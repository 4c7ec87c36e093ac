package dev.userprofiles.infra;

import java.util.List;

import io.lettuce.core.internal.HostAndPort;

/**
 * A Redis Cluster of local {@code redis-server} processes beside the test infrastructure,
 * in a shape of the caller's choosing (3 masters with 1 or 2 replicas each), on either
 * backend: the benchmark compares topologies on one machine in one run. Its nodes have
 * the users, passwords and settings of the infrastructure's own.
 */
public final class LocalRedisCluster implements AutoCloseable {

	private final RedisClusterProcesses processes;

	private final int replicasPerMaster;

	private LocalRedisCluster(RedisClusterProcesses processes, int replicasPerMaster) {
		this.processes = processes;
		this.replicasPerMaster = replicasPerMaster;
	}

	/**
	 * Starts 3 masters with {@code replicasPerMaster} replicas each and waits until it is
	 * healthy.
	 */
	public static LocalRedisCluster start(int replicasPerMaster) {
		return new LocalRedisCluster(RedisClusterProcesses.start(replicasPerMaster), replicasPerMaster);
	}

	/** Addresses of the nodes, by index. */
	public List<HostAndPort> nodes() {
		return this.processes.nodes();
	}

	/** The node's process, for CPU and memory accounting; empty while it is down. */
	public List<ProcessHandle> processes() {
		return this.processes.processes();
	}

	/** SIGKILL, as a crash: no chance to hand over. */
	public void kill(int index) {
		this.processes.killNode(index);
	}

	/** Starts a killed node again with its identity; it rejoins as a replica. */
	public void restart(int index) {
		this.processes.startNode(index);
	}

	/** Waits until every node is up, every slot served and every replica attached. */
	public void awaitHealthy() {
		new RedisClusterHealth(nodes(), this.replicasPerMaster).awaitHealthy();
	}

	/**
	 * The nodes' {@code cluster-node-timeout}: how long before a silent node is failed.
	 */
	public static int nodeTimeoutMillis() {
		return RedisClusterProcesses.CLUSTER_NODE_TIMEOUT_MILLIS;
	}

	@Override
	public void close() {
		this.processes.close();
	}

}
