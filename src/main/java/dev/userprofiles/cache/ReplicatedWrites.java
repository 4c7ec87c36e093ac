package dev.userprofiles.cache;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Runs the cache's invalidating writes so that they survive the crash of the master that
 * took them: each script runs on the master of its key's slot, and the write counts only
 * once {@code replicas} of that master's replicas have it ({@code WAIT}), within
 * {@code timeout}; otherwise it fails, and the write it belongs to answers 503 while the
 * invalidation is retried.
 * <p>
 * {@code WAIT} waits for the writes of the connection it is sent on. Through a cluster
 * connection Lettuce would send it to an arbitrary node, and the node connection Lettuce
 * hands out by node id is not the one it routes writes through; so the script and the
 * {@code WAIT} both go to the master's node connection, by host and port, of a cluster
 * connection of this class's own (a {@code WAIT} blocks its connection on the server, and
 * must not hold up the reads of the shared one).
 * <p>
 * A master with fewer attached replicas than {@code replicas} (the topology's view) is
 * waited for by as many as it has: with none, a crash loses its slots' entries
 * altogether, which is no older value.
 */
final class ReplicatedWrites implements DisposableBean {

	private final int replicas;

	private final Duration timeout;

	private final DedicatedClusterConnection connection;

	private volatile Duration commandTimeout;

	ReplicatedWrites(CacheRedis redis, int replicas, Duration timeout) {
		this.replicas = replicas;
		this.timeout = timeout;
		this.commandTimeout = timeout;
		this.connection = new DedicatedClusterConnection(redis,
				"Durable invalidation " + "(profiles.cache.durable-invalidation.enabled=false for a standalone Redis)",
				(created) -> {
					// The WAIT may take its whole timeout: the command must not time out
					// first.
					this.commandTimeout = timeout.plus(created.getTimeout());
					created.setTimeout(this.commandTimeout);
				});
	}

	/**
	 * Runs {@code script} (its result an integer) on the master of {@code keys}' slot and
	 * waits until it is replicated. Called through {@link CacheRedis#execute}, as the
	 * command of an invalidating operation.
	 * @throws CacheInvalidationException when too few replicas confirmed it in time
	 */
	Long run(RedisScript<Long> script, List<byte[]> keys, byte[]... args) {
		StatefulRedisClusterConnection<byte[], byte[]> cluster = this.connection.get();
		Partitions partitions = cluster.getPartitions();
		RedisClusterNode master = partitions.getMasterBySlot(SlotHash.getSlot(keys.get(0)));
		if (master == null) {
			throw new CacheInvalidationException("No master serves the slot of the key to invalidate", null);
		}
		StatefulRedisConnection<byte[], byte[]> connection = nodeConnection(cluster, master);
		// Node connections take the client's command timeout, not the cluster
		// connection's: the WAIT may take its whole timeout.
		connection.setTimeout(this.commandTimeout);
		RedisAsyncCommands<byte[], byte[]> node = connection.async();
		byte[][] keyArray = keys.toArray(byte[][]::new);
		int expected = Math.min(this.replicas, attachedReplicas(partitions, master));
		// Script and WAIT written back to back: a reconnect between them would leave the
		// WAIT on a connection that wrote nothing, and it would pass at once.
		RedisFuture<Long> written = node.evalsha(script.getSha1(), ScriptOutputType.INTEGER, keyArray, args);
		RedisFuture<Long> replicated = (expected > 0) ? node.waitForReplication(expected, this.timeout.toMillis())
				: null;
		Long result;
		try {
			result = await(written);
		}
		catch (RedisNoScriptException ex) {
			written = node.eval(script.getScriptAsString(), ScriptOutputType.INTEGER, keyArray, args);
			replicated = (expected > 0) ? node.waitForReplication(expected, this.timeout.toMillis()) : null;
			result = await(written);
		}
		if (replicated != null) {
			long confirmed = await(replicated);
			if (confirmed < expected) {
				throw new CacheInvalidationException("Invalidation confirmed by " + confirmed + " of " + expected
						+ " replica(s) of " + master.getUri() + " within " + this.timeout, null);
			}
		}
		return result;
	}

	private <T> T await(RedisFuture<T> future) {
		return LettuceFutures.awaitOrCancel(future, this.commandTimeout.toNanos(), TimeUnit.NANOSECONDS);
	}

	private StatefulRedisConnection<byte[], byte[]> nodeConnection(
			StatefulRedisClusterConnection<byte[], byte[]> cluster, RedisClusterNode master) {
		// By host and port: the connection Lettuce routes slot writes through, so the
		// WAIT below waits for this script's write.
		return cluster.getConnection(master.getUri().getHost(), master.getUri().getPort());
	}

	private static int attachedReplicas(Partitions partitions, RedisClusterNode master) {
		return (int) partitions.stream()
			.filter((node) -> master.getNodeId().equals(node.getSlaveOf()))
			.filter((node) -> !node.is(RedisClusterNode.NodeFlag.FAIL)
					&& !node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL))
			.count();
	}

	@Override
	public void destroy() {
		this.connection.close();
	}

}
