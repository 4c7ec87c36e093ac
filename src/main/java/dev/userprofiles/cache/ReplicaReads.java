package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.lettuce.core.ReadFrom;
import dev.userprofiles.cache.CacheRedis.Operation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;

/**
 * Reads of the Redis level from replicas, guarded so that read-your-writes holds:
 * replication is asynchronous, so a replica may still hold a value that a write already
 * replaced or deleted on its master.
 * <p>
 * <b>Fences.</b> Every invalidation this instance applies (its own writes', and every
 * other instance's through the bus, before it acknowledges them) raises a <em>fence</em>
 * for its key: the least version a replica's value must carry to be served ("deleted":
 * none may). A value below the fence is refused and read from the master, which the write
 * changed before anyone acknowledged it. A read that starts after a write was
 * acknowledged therefore finds the fence raised, because every live instance raised it
 * before acknowledging.
 * <p>
 * <b>Retention.</b> A fence is kept for the longest TTL (with jitter) after it was last
 * raised: the older value it guards against was written to the master before the
 * invalidation, so it has expired by then, and replicas do not serve expired keys. This
 * instance reads only masters when its fences may be incomplete: for one retention after
 * it started or rejoined (writers may have skipped it), after a clear, after a fence was
 * evicted because {@code max-fences} were held, and whenever its membership lease is not
 * fresh.
 */
final class ReplicaReads implements DisposableBean {

	private final long retentionNanos;

	private final Cache<String, Long> fences;

	private final Counter served;

	private final Counter stale;

	private final Counter missed;

	private final Counter failed;

	private final Counter masterOnly;

	/** Monotonic time until which only masters are read. */
	private volatile long suspendedUntil;

	/** Monotonic time until which this member's lease is fresh (set by the bus). */
	private volatile long liveUntil = System.nanoTime();

	private final CacheRedis redis;

	private final DedicatedClusterConnection connection;

	ReplicaReads(CacheRedis redis, Duration retention, int maxFences, MeterRegistry meters) {
		this.redis = redis;
		this.connection = new DedicatedClusterConnection(redis, "Replica reads",
				(created) -> created.setReadFrom(ReadFrom.REPLICA_PREFERRED));
		this.retentionNanos = retention.toNanos();
		this.fences = Caffeine.newBuilder()
			.expireAfterWrite(retention)
			.maximumSize(maxFences)
			// Synchronous with the eviction: a fence is never gone before reads stop.
			.evictionListener((String key, Long version, RemovalCause cause) -> {
				if (cause == RemovalCause.SIZE) {
					suspend();
				}
			})
			.build();
		this.served = counter(meters, "served");
		this.stale = counter(meters, "stale");
		this.missed = counter(meters, "miss");
		this.failed = counter(meters, "error");
		this.masterOnly = counter(meters, "master");
		// A new member's fences miss every write acknowledged before it joined.
		suspend();
	}

	private static Counter counter(MeterRegistry meters, String result) {
		return Counter.builder("cache.replica.reads")
			.description("Redis-level reads: served by a replica, refused as older than a fence (then read from the "
					+ "master), missed there, failed, or sent to the master while fences may be incomplete")
			.tag("result", result)
			.register(meters);
	}

	/** Replica values of {@code redisKey} older than {@code version} are refused. */
	void raise(String redisKey, long version) {
		this.fences.asMap().merge(redisKey, version, Math::max);
	}

	/** Reads only masters for one retention: fences may be incomplete. */
	void suspend() {
		this.suspendedUntil = System.nanoTime() + this.retentionNanos;
	}

	void liveUntil(long monotonicDeadline) {
		this.liveUntil = monotonicDeadline;
	}

	/**
	 * Reads {@code key} from a replica if that is safe and the value passes its fence,
	 * else through {@code master}; {@code null} when the replica has no value (the caller
	 * then takes the lease on the master).
	 * @param versionOf the version of a value read ({@link EncodedVersion#NONE} if none)
	 */
	byte @Nullable [] read(byte[] key, UnaryOperator<byte @Nullable []> master, ToLongFunction<byte[]> versionOf) {
		if (!usable()) {
			this.masterOnly.increment();
			return master.apply(key);
		}
		byte[] value;
		try {
			value = this.redis.execute(Operation.REPLICA_READ, () -> this.connection.get().sync().get(key));
		}
		catch (RuntimeException ex) {
			this.failed.increment();
			return master.apply(key);
		}
		if (value == null) {
			this.missed.increment();
			return null;
		}
		// The fence first, then the suspension: an eviction of the fence suspends before
		// it becomes visible (see the eviction listener).
		Long fence = this.fences.getIfPresent(new String(key, StandardCharsets.UTF_8));
		if (usable() && (fence == null || versionOf.applyAsLong(value) >= fence)) {
			this.served.increment();
			return value;
		}
		this.stale.increment();
		return master.apply(key);
	}

	private boolean usable() {
		long now = System.nanoTime();
		return now - this.suspendedUntil >= 0 && now - this.liveUntil < 0;
	}

	@Override
	public void destroy() {
		this.connection.close();
	}

}
