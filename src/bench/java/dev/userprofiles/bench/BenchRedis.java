package dev.userprofiles.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import dev.userprofiles.infra.TestInfrastructure;
import io.lettuce.core.SetArgs;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.internal.HostAndPort;
import org.jspecify.annotations.Nullable;

/**
 * The benchmark's view of a Redis Cluster: emptying it, measuring its memory and
 * commands, setting its eviction.
 */
final class BenchRedis implements AutoCloseable {

	private final RedisClusterClient client;

	private final StatefulRedisClusterConnection<String, String> connection;

	private final StatefulRedisClusterConnection<byte[], byte[]> bytes;

	BenchRedis(List<HostAndPort> nodes) {
		this.client = RedisClusterClient.create(nodes.stream().map(TestInfrastructure::redisAdminUri).toList());
		this.connection = this.client.connect();
		this.bytes = this.client.connect(ByteArrayCodec.INSTANCE);
	}

	/** Deletes every key on every master (replicas follow). */
	void flushAll() {
		this.connection.sync().flushall();
	}

	/**
	 * Writes entries, pipelined: 1,000 commands per flush.
	 * @param keys key of entry {@code i}
	 * @param values value of entry {@code i}
	 * @param ttl time to live, or {@code null} for none
	 * @param jitter each TTL is longer by a random share of up to {@code jitter * ttl}
	 */
	void fill(int count, IntFunction<String> keys, IntFunction<byte[]> values, @Nullable Duration ttl, double jitter) {
		fill(count, keys, values, ttl, jitter, false);
	}

	/**
	 * Writes entries as {@link #fill} does, except that the writes a full Redis refuses
	 * ({@code noeviction}) are left out; returns how many were stored.
	 */
	long fillAsFarAsItGoes(int count, IntFunction<String> keys, IntFunction<byte[]> values, Duration ttl,
			double jitter) {
		return fill(count, keys, values, ttl, jitter, true);
	}

	private long fill(int count, IntFunction<String> keys, IntFunction<byte[]> values, @Nullable Duration ttl,
			double jitter, boolean tolerateRefusals) {
		long stored = 0;
		SplittableRandom random = new SplittableRandom(count);
		this.bytes.setAutoFlushCommands(false);
		try {
			List<RedisFuture<String>> pending = new ArrayList<>();
			for (int i = 0; i < count; i++) {
				SetArgs expiry = new SetArgs();
				if (ttl != null) {
					expiry.px(ttl.toMillis() + (long) (random.nextDouble() * jitter * ttl.toMillis()));
				}
				pending.add(this.bytes.async()
					.set(keys.apply(i).getBytes(StandardCharsets.UTF_8), values.apply(i), expiry));
				// Smaller batches near a memory limit: a batch's commands sit in the
				// node's query buffer, which counts against maxmemory.
				if (pending.size() == (tolerateRefusals ? 100 : 1000) || i == count - 1) {
					flushUntilAnswered(pending);
					stored += tolerateRefusals ? countStored(pending) : requireStored(pending);
					pending.clear();
				}
			}
		}
		finally {
			this.bytes.setAutoFlushCommands(true);
		}
		return stored;
	}

	/**
	 * Flushes until every command of the batch is answered, flushing again each second: a
	 * command routed to a node whose connection is still opening can reach that
	 * connection after the flush and wait for the next one (lettuce#1111, #2420; seen
	 * here as a fill of a newly started cluster that never completed).
	 */
	private void flushUntilAnswered(List<RedisFuture<String>> pending) {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		do {
			this.bytes.flushCommands();
			if (allAnswered(pending, System.nanoTime() + Duration.ofSeconds(1).toNanos())) {
				return;
			}
		}
		while (System.nanoTime() < deadline);
		throw new IllegalStateException("Redis did not answer a fill batch within 30 s");
	}

	/** Waits until every command is answered (a refusal too) or the deadline passes. */
	private static boolean allAnswered(List<RedisFuture<String>> pending, long deadlineNanos) {
		try {
			for (RedisFuture<String> future : pending) {
				if (!future.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
					return false;
				}
			}
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while filling Redis", ex);
		}
	}

	/** The batch's size, once every write of it succeeded. */
	private static long requireStored(List<RedisFuture<String>> pending) {
		for (RedisFuture<String> future : pending) {
			Throwable failure = future.toCompletableFuture().handle((value, ex) -> ex).join();
			if (failure != null) {
				throw new IllegalStateException("A fill write failed", failure);
			}
		}
		return pending.size();
	}

	private static long countStored(List<RedisFuture<String>> pending) {
		long stored = 0;
		for (RedisFuture<String> future : pending) {
			try {
				if ("OK".equals(future.get(30, TimeUnit.SECONDS))) {
					stored++;
				}
			}
			catch (ExecutionException ex) {
				// Only a full Redis's refusal ("OOM command not allowed when used
				// memory > 'maxmemory'").
				if (ex.getCause() == null || ex.getCause().getMessage() == null
						|| !ex.getCause().getMessage().startsWith("OOM")) {
					throw new IllegalStateException("A fill write failed", ex);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while filling Redis", ex);
			}
			catch (TimeoutException ex) {
				throw new IllegalStateException("Redis did not answer a fill batch within 30 s", ex);
			}
		}
		return stored;
	}

	/**
	 * Mean {@code MEMORY USAGE} (key, value and Redis's per-key overhead) of the keys
	 * that exist; {@code NaN} when none does.
	 */
	EntrySize entrySize(List<String> keys) {
		long total = 0;
		long values = 0;
		int found = 0;
		for (String key : keys) {
			Long usage = this.connection.sync().memoryUsage(key);
			if (usage != null) {
				total += usage;
				values += this.connection.sync().strlen(key);
				found++;
			}
		}
		return new EntrySize(found, (found > 0) ? (double) total / found : Double.NaN,
				(found > 0) ? (double) values / found : Double.NaN);
	}

	/**
	 * @param memoryUsage mean bytes per entry @param valueBytes mean bytes of the value
	 */
	record EntrySize(int sampled, double memoryUsage, double valueBytes) {
	}

	/** {@code used_memory} summed over the masters, in bytes. */
	long usedMemory() {
		return masterInfo("memory", "used_memory:");
	}

	/** {@code used_memory} summed over every node, replicas included, in bytes. */
	long usedMemoryOfAllNodes() {
		this.client.refreshPartitions();
		long sum = 0;
		for (RedisClusterNode node : this.client.getPartitions()) {
			sum += field(this.connection.getConnection(node.getNodeId()).sync().info("memory"), "used_memory:");
		}
		return sum;
	}

	/** Keys evicted since the masters started, summed. */
	long evictedKeys() {
		return masterInfo("stats", "evicted_keys:");
	}

	/**
	 * Sets a configuration parameter on every master (replicas keep theirs: they ignore
	 * {@code maxmemory} and follow their master's evictions).
	 */
	void configSetOnMasters(String parameter, String value) {
		for (RedisClusterNode node : masters()) {
			this.connection.getConnection(node.getNodeId()).sync().configSet(parameter, value);
		}
	}

	/** A configuration parameter's value on one master. */
	String configGet(String parameter) {
		RedisClusterNode master = masters().get(0);
		return this.connection.getConnection(master.getNodeId()).sync().configGet(parameter).get(parameter);
	}

	/**
	 * The memory each master counts against {@code maxmemory}, by address:
	 * {@code used_memory} less {@code mem_not_counted_for_evict} (the replication backlog
	 * and replicas' output buffers, about 1 MB per master here).
	 */
	Map<String, Long> countedMemoryByMaster() {
		Map<String, Long> used = new TreeMap<>();
		for (RedisClusterNode node : masters()) {
			String memory = this.connection.getConnection(node.getNodeId()).sync().info("memory");
			used.put(node.getUri().getHost() + ":" + node.getUri().getPort(),
					field(memory, "used_memory:") - field(memory, "mem_not_counted_for_evict:"));
		}
		return used;
	}

	/**
	 * Sets {@code maxmemory} of each master (by address, as
	 * {@link #countedMemoryByMaster} names them).
	 */
	void maxmemory(Map<String, Long> bytesByMaster) {
		for (RedisClusterNode node : masters()) {
			Long bytes = bytesByMaster.get(node.getUri().getHost() + ":" + node.getUri().getPort());
			if (bytes != null) {
				this.connection.getConnection(node.getNodeId()).sync().configSet("maxmemory", String.valueOf(bytes));
			}
		}
	}

	/**
	 * Commands each master has executed since it started ({@code INFO commandstats}, all
	 * commands summed), by address.
	 */
	Map<String, Long> commandsByMaster() {
		Map<String, Long> commands = new TreeMap<>();
		for (RedisClusterNode node : masters()) {
			String stats = this.connection.getConnection(node.getNodeId()).sync().info("commandstats");
			long calls = 0;
			for (String line : stats.split("\r?\n")) {
				int at = line.indexOf("calls=");
				if (line.startsWith("cmdstat_") && at >= 0) {
					int end = line.indexOf(',', at);
					calls += Long.parseLong(line.substring(at + "calls=".length(), (end < 0) ? line.length() : end));
				}
			}
			commands.put(node.getUri().getHost() + ":" + node.getUri().getPort(), calls);
		}
		return commands;
	}

	/** The address of the master serving each hash slot, indexed by slot. */
	String[] slotOwners() {
		String[] owners = new String[SlotHash.SLOT_COUNT];
		for (RedisClusterNode node : masters()) {
			for (int slot : node.getSlots()) {
				owners[slot] = node.getUri().getHost() + ":" + node.getUri().getPort();
			}
		}
		return owners;
	}

	/** Milliseconds a key has left to live (PTTL): -2 when absent, -1 without expiry. */
	long remainingMillis(String key) {
		return this.connection.sync().pttl(key);
	}

	private static long field(String info, String field) {
		for (String line : info.split("\r?\n")) {
			if (line.startsWith(field)) {
				return Long.parseLong(line.substring(field.length()).trim());
			}
		}
		throw new IllegalStateException("INFO has no " + field);
	}

	private long masterInfo(String section, String field) {
		long sum = 0;
		for (RedisClusterNode node : masters()) {
			String info = this.connection.getConnection(node.getNodeId()).sync().info(section);
			for (String line : info.split("\r?\n")) {
				if (line.startsWith(field)) {
					sum += Long.parseLong(line.substring(field.length()).trim());
				}
			}
		}
		return sum;
	}

	private List<RedisClusterNode> masters() {
		this.client.refreshPartitions();
		return this.client.getPartitions()
			.stream()
			.filter((node) -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
			.toList();
	}

	@Override
	public void close() {
		this.connection.close();
		this.bytes.close();
		this.client.shutdown();
	}

}
