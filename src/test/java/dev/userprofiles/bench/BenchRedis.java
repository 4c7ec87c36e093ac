package dev.userprofiles.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import dev.userprofiles.infra.TestInfrastructure;
import io.lettuce.core.SetArgs;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.internal.HostAndPort;
import org.jspecify.annotations.Nullable;

/** The benchmark's view of the Redis Cluster: emptying it and measuring its memory. */
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
				if (pending.size() == 1000 || i == count - 1) {
					this.bytes.flushCommands();
					if (!LettuceFutures.awaitAll(Duration.ofSeconds(30), pending.toArray(RedisFuture[]::new))) {
						throw new IllegalStateException("Redis did not answer a fill batch within 30 s");
					}
					pending.clear();
				}
			}
		}
		finally {
			this.bytes.setAutoFlushCommands(true);
		}
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
