package dev.userprofiles.cache;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.RedisCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * The one way the cache layer talks to Redis, as {@code DefaultRedisCacheWriter.execute}
 * is Spring Data's own. Every Redis operation of the layer is one of the
 * {@link Operation}s and passes {@link #execute}, which applies the circuit breaker where
 * the operation is guarded and counts the operations that failed or that the open breaker
 * refused in {@code cache.redis.failures}, by operation and reason ({@code error},
 * {@code refused}). Successes are not timed: a timer per Redis call costs the hot path
 * more than it tells (Lettuce's own observations are off for that reason), and the
 * {@code cache.redis} span says how long Redis took.
 * <p>
 * The layer's own connections are opened here, and Spring Data's writer and Lettuce's
 * node connections come from the same client: all share its nodes, credentials, TLS,
 * topology refresh, fail-fast behaviour and command timeout
 * ({@code spring.data.redis.timeout}). Only durable invalidation's {@code WAIT} and the
 * bus's read of its stream, which block, lengthen that timeout on their own connections;
 * the bus's renewal {@code WAIT} blocks at most {@code renew-every}, below it.
 * <p>
 * Failures are thrown, not handled, here: what a caller does with one differs on purpose
 * (a read falls back to the database, an invalidation fails its write).
 */
final class CacheRedis {

	/** Every Redis operation of the cache layer, and whether the breaker guards it. */
	enum Operation {

		/** A plain {@code GET} of a value: the hit path. */
		READ(true),

		/** A {@code GET} that takes the entry's lease on a miss. */
		LOOKUP(true),

		/** Deleting every value and lease of a cache. */
		CLEAR(true),

		/**
		 * Storing a loaded value under its lease. Not guarded, like the lease's release
		 * and extension: refused, it would strand everyone waiting on the lease.
		 */
		FILL(false),

		/** Giving a lease back when its load failed. */
		RELEASE(false),

		/** Keeping the lease of a running load alive. */
		EXTEND(false),

		/**
		 * Deleting an entry and its lease. Not guarded: an open breaker must not hide it.
		 */
		INVALIDATE(false),

		/** Writing a newer value through. Not guarded, like an invalidation. */
		PUT(false),

		/** A {@code GET} from a replica; when it fails, the master is read (guarded). */
		REPLICA_READ(false),

		/** Publishing an invalidation to the other instances. */
		BUS_PUBLISH(false),

		/** Counting the members that have not acknowledged an invalidation yet. */
		BUS_PENDING(false),

		/** Renewing this instance's membership, and waiting for a replica to have it. */
		BUS_RENEW(false),

		/**
		 * Reading the invalidation stream: blocks until entries arrive, 100 ms at most.
		 */
		BUS_LISTEN(false),

		/** Recording how far this instance applied the stream. */
		BUS_ACKNOWLEDGE(false),

		/** Joining (the stream's last entry) or leaving (deleting the registration). */
		BUS_MEMBERSHIP(false);

		private final boolean guarded;

		Operation(boolean guarded) {
			this.guarded = guarded;
		}

		boolean guarded() {
			return this.guarded;
		}

		String tag() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}

	}

	private final LettuceConnectionFactory connectionFactory;

	private final RedisBreaker breaker;

	private final RedisTemplate<byte[], byte[]> template;

	private final Map<Operation, Counter> failed = new EnumMap<>(Operation.class);

	private final Map<Operation, Counter> refused = new EnumMap<>(Operation.class);

	CacheRedis(LettuceConnectionFactory connectionFactory, CircuitBreaker breaker, MeterRegistry meters) {
		this.connectionFactory = connectionFactory;
		this.breaker = new RedisBreaker(breaker);
		this.template = new RedisTemplate<>();
		this.template.setConnectionFactory(connectionFactory);
		this.template.setEnableDefaultSerializer(false);
		this.template.afterPropertiesSet();
		// Registered at zero, so that dashboards and alerts find them before the first
		// failure.
		for (Operation operation : Operation.values()) {
			this.failed.put(operation, failures(meters, operation, "error"));
			this.refused.put(operation, failures(meters, operation, "refused"));
		}
	}

	private static Counter failures(MeterRegistry meters, Operation operation, String reason) {
		return Counter.builder("cache.redis.failures")
			.description("Redis operations of the cache layer that failed, or that the open breaker refused")
			.tag("operation", operation.tag())
			.tag("reason", reason)
			.register(meters);
	}

	/**
	 * Sends {@code command}, through the breaker if {@code operation} is guarded.
	 * @throws CallNotPermittedException when the breaker is open and the operation
	 * guarded
	 */
	<T> T execute(Operation operation, Supplier<T> command) {
		try {
			return operation.guarded() ? this.breaker.call(command) : command.get();
		}
		catch (CallNotPermittedException ex) {
			this.refused.get(operation).increment();
			throw ex;
		}
		catch (RuntimeException | Error ex) {
			this.failed.get(operation).increment();
			throw ex;
		}
	}

	/** {@code GET key} on the connection Spring Data shares. */
	byte @Nullable [] get(Operation operation, byte[] key) {
		return execute(operation, () -> this.template
			.execute((RedisCallback<byte[]>) (connection) -> connection.stringCommands().get(key)));
	}

	/**
	 * Runs a script on the node serving the keys' slot (they share one), on the
	 * connection Spring Data shares.
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	<T> T script(Operation operation, RedisScript<T> script, List<byte[]> keys, byte[]... args) {
		RedisSerializer results = RedisSerializer.byteArray();
		return execute(operation, () -> (T) this.template.execute((RedisScript) script, RedisSerializer.byteArray(),
				results, keys, (Object[]) args));
	}

	/**
	 * Opens a cluster connection of the caller's own, beside the shared one (for blocking
	 * commands, a codec of its own, or replica reads).
	 * @param purpose what needs it, for the error when Redis is not a cluster
	 */
	<K, V> StatefulRedisClusterConnection<K, V> connect(RedisCodec<K, V> codec, String purpose) {
		return cluster(purpose).connect(codec);
	}

	/**
	 * Fails when Redis is not a cluster.
	 * @param purpose what needs it, for the error
	 * @throws IllegalStateException when Redis is standalone
	 */
	void requireCluster(String purpose) {
		cluster(purpose);
	}

	private RedisClusterClient cluster(String purpose) {
		if (!(this.connectionFactory.getRequiredNativeClient() instanceof RedisClusterClient client)) {
			throw new IllegalStateException(purpose + " needs a Redis Cluster (spring.data.redis.cluster.nodes)");
		}
		return client;
	}

}
