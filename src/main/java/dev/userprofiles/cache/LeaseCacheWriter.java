package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import dev.userprofiles.cache.CacheRedis.Operation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Span;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.support.NullValue;
import org.springframework.data.redis.cache.CacheStatistics;
import org.springframework.data.redis.cache.CacheStatisticsCollector;
import org.springframework.data.redis.cache.RedisCacheWriter;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * A {@link RedisCacheWriter} that fills misses under leases, the mechanism of "Scaling
 * Memcache at Facebook" (NSDI 2013), so that a cache never ends older than the database
 * and a missing hot key is loaded once, not once per request.
 * <ul>
 * <li>A miss takes a <em>lease</em>: a token in a key next to the value, atomically with
 * the lookup. Only its holder loads the value from the database; everyone else who misses
 * meanwhile waits for the value to appear (or for the lease to expire, when its holder
 * died), then reads it from Redis. While it loads, the holder keeps its lease alive
 * ({@link LeaseKeeper}), up to {@code max-load}.</li>
 * <li>The holder stores the loaded value only if its lease is still there: a write
 * invalidates (deletes) value and lease together after its commit, so a value loaded
 * before that commit is refused instead of overwriting the fresh state: no stale
 * sets.</li>
 * <li>A write's {@code put} (write-through, {@code @CachePut} after the commit) replaces
 * only an entry that is there and older: it compares the versions inside the encoded
 * values (the last protobuf field, or JSON's last member), so of two writers the newer
 * one wins in either order. It stores nothing where there is no entry (an expired or
 * evicted key cannot tell how new a late put is; the next read fills it under a lease),
 * and over a cached "absent" only a version 1 (a creation). Either way it deletes the
 * lease, so a fill that loaded before the commit is refused.</li>
 * </ul>
 * Value and lease share a Redis Cluster hash slot ({@link EntryKey}), so each step is one
 * Lua script on one node. Every command passes {@link CacheRedis}, whose
 * {@link CacheRedis.Operation operations} say which the circuit breaker guards: lookups
 * and clearing, which fail at once while it is open, so that the cache layer reads from
 * the database instead of paying a timeout per request. Invalidations, fills and lease
 * releases are never refused: the first must never be hidden, the others follow a
 * permitted lookup and, refused, would strand waiters on the lease. Plain lookups,
 * clearing and statistics are those of Spring Data Redis's own writer.
 * <p>
 * Use it with {@code @Cacheable(sync = true)}: that is the call that carries the loader.
 * An absent value ({@code null}) is stored for one lease period only. Time-to-idle is not
 * supported.
 */
final class LeaseCacheWriter implements RedisCacheWriter {

	private static final Log logger = LogFactory.getLog(LeaseCacheWriter.class);

	/** What Spring's {@code RedisCache} hands over for a {@code null} result. */
	private static final byte[] NULL_VALUE = RedisSerializer.java().serialize(NullValue.INSTANCE);

	private static final long FIRST_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

	private static final long LONGEST_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

	/**
	 * KEYS: value, lease. ARGV: token, lease TTL in ms. Returns {1, value} on a hit, {2}
	 * when the caller now holds the lease, {3} when someone else does.
	 */
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> GET_OR_LEASE = RedisScript.of("""
			local value = redis.call('GET', KEYS[1])
			if value then
			  return {1, value}
			end
			if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
			  return {2}
			end
			return {3}
			""", List.class);

	/**
	 * KEYS: value, lease. ARGV: token, value, TTL in ms (0: none). Stores the value only
	 * while the caller's lease is still there; returns 1 when stored.
	 */
	private static final RedisScript<Long> FILL = RedisScript.of("""
			if redis.call('GET', KEYS[2]) ~= ARGV[1] then
			  return 0
			end
			redis.call('DEL', KEYS[2])
			if ARGV[3] == '0' then
			  redis.call('SET', KEYS[1], ARGV[2])
			else
			  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
			end
			return 1
			""", Long.class);

	/**
	 * KEYS: value, lease. ARGV: new value, TTL in ms (0: none), the encoded "absent".
	 * Returns 1 when stored, 0 when refused (no entry, or one as new), 2 when the new
	 * value carries no version (then the entry is invalidated instead).
	 */
	private static final RedisScript<Long> PUT_IF_NEWER = RedisScript.of(EncodedVersion.LUA + """
			redis.call('DEL', KEYS[2])
			local new = version(ARGV[1])
			if not new then
			  redis.call('DEL', KEYS[1])
			  return 2
			end
			local current = redis.call('GET', KEYS[1])
			if not current then
			  return 0
			end
			if current == ARGV[3] then
			  if new ~= 1 then
			    return 0
			  end
			else
			  local old = version(current)
			  if old and old >= new then
			    return 0
			  end
			end
			if ARGV[2] == '0' then
			  redis.call('SET', KEYS[1], ARGV[1])
			else
			  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
			end
			return 1
			""", Long.class);

	/** KEYS: lease. ARGV: token. Gives a lease back when nothing was stored. */
	private static final RedisScript<Long> RELEASE = RedisScript.of("""
			if redis.call('GET', KEYS[1]) == ARGV[1] then
			  return redis.call('DEL', KEYS[1])
			end
			return 0
			""", Long.class);

	/** KEYS: lease. ARGV: token, TTL in ms. Prolongs a lease only while it is ours. */
	private static final RedisScript<Long> EXTEND = RedisScript.of("""
			if redis.call('GET', KEYS[1]) == ARGV[1] then
			  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
			end
			return 0
			""", Long.class);

	/** KEYS: value, lease. Deletes both, so an in-flight fill can no longer store. */
	private static final RedisScript<Long> INVALIDATE = RedisScript.of("return redis.call('DEL', KEYS[1], KEYS[2])",
			Long.class);

	/**
	 * KEYS: value, lease. ARGV: the version the database holds. Deletes the lease, and
	 * the value unless it carries that version or a newer one; returns 1 when it deleted
	 * the value.
	 */
	private static final RedisScript<Long> INVALIDATE_OLDER = RedisScript.of(EncodedVersion.LUA + """
			redis.call('DEL', KEYS[2])
			local current = redis.call('GET', KEYS[1])
			if not current then
			  return 0
			end
			local held = version(current)
			if held and held >= tonumber(ARGV[1]) then
			  return 0
			end
			return redis.call('DEL', KEYS[1])
			""", Long.class);

	private final RedisCacheWriter delegate;

	private final CacheRedis redis;

	private final CacheStatisticsCollector statistics;

	private final CacheFailures failures;

	private final MeterRegistry meters;

	private final Duration leaseTtl;

	private final Duration maxWait;

	private final LeaseKeeper keeper;

	private final AtomicBoolean putWarned;

	private final CacheTracing tracing;

	private final @Nullable ReplicatedWrites replicated;

	private final @Nullable ReplicaReads replicaReads;

	/**
	 * @param delegate Spring Data's writer, for plain reads, clearing and statistics
	 * @param redis where every Redis command of this writer passes
	 */
	LeaseCacheWriter(RedisCacheWriter delegate, CacheRedis redis, CacheFailures failures, MeterRegistry meters,
			Duration leaseTtl, Duration maxWait, LeaseKeeper keeper, CacheTracing tracing,
			@Nullable ReplicatedWrites replicated, @Nullable ReplicaReads replicaReads) {
		this(delegate, redis, CacheStatisticsCollector.none(), failures, meters, leaseTtl, maxWait, keeper,
				new AtomicBoolean(), tracing, replicated, replicaReads);
	}

	private LeaseCacheWriter(RedisCacheWriter delegate, CacheRedis redis, CacheStatisticsCollector statistics,
			CacheFailures failures, MeterRegistry meters, Duration leaseTtl, Duration maxWait, LeaseKeeper keeper,
			AtomicBoolean putWarned, CacheTracing tracing, @Nullable ReplicatedWrites replicated,
			@Nullable ReplicaReads replicaReads) {
		this.delegate = delegate;
		this.redis = redis;
		this.statistics = statistics;
		this.failures = failures;
		this.meters = meters;
		this.leaseTtl = leaseTtl;
		this.maxWait = maxWait;
		this.keeper = keeper;
		this.putWarned = putWarned;
		this.tracing = tracing;
		this.replicated = replicated;
		this.replicaReads = replicaReads;
	}

	/**
	 * Reads {@code key}; on a miss, loads it once across all instances and stores it
	 * unless a write invalidated it meanwhile. A Redis failure (or an open breaker) makes
	 * it a plain database read, recorded in {@link CacheFailures}; only the loader's own
	 * failure is thrown. (Thrown Redis failures would reach Spring's error handler, whose
	 * fallback load reports a failing database as the Redis failure instead.)
	 */
	@Override
	public byte[] get(String name, byte[] key, Supplier<byte[]> valueLoader, @Nullable Duration ttl,
			boolean timeToIdleEnabled) {
		try {
			return getOrFill(name, EntryKey.of(key), valueLoader, ttl);
		}
		catch (RedisUnavailable unavailable) {
			this.failures.record(unavailable.cause, name, "get", new String(key, StandardCharsets.UTF_8));
			return valueLoader.get();
		}
	}

	private byte[] getOrFill(String name, EntryKey key, Supplier<byte[]> valueLoader, @Nullable Duration ttl) {
		return this.tracing.inSpan("cache.redis", name, (span) -> getOrFill(name, key, valueLoader, ttl, span));
	}

	private byte[] getOrFill(String name, EntryKey key, Supplier<byte[]> valueLoader, @Nullable Duration ttl,
			Span span) {
		// Hits, the common case, cost a plain GET; only a miss runs the lease script,
		// which looks again atomically with taking the lease.
		byte[] cached = (this.replicaReads != null)
				? this.replicaReads.read(key.value(), this::read, LeaseCacheWriter::versionOf) : read(key.value());
		this.statistics.incGets(name);
		if (cached != null) {
			this.statistics.incHits(name);
			span.tag("hit", true);
			return cached;
		}
		Lease lease = Lease.on(key);
		Lookup lookup = lookup(lease);
		if (lookup.value() != null) {
			this.statistics.incHits(name);
			span.tag("hit", true);
			return lookup.value();
		}
		this.statistics.incMisses(name);
		span.tag("hit", false);
		if (lookup.leasedByOther()) {
			lookup = this.tracing.inSpan("cache.lease.wait", name, (wait) -> awaitFill(name, lease));
			if (lookup.value() != null) {
				return lookup.value();
			}
			if (lookup.leasedByOther()) {
				// Waited long enough: load without the cache rather than hang.
				return valueLoader.get();
			}
		}
		return this.tracing.inSpan("cache.fill", name, (fill) -> loadAndFill(name, lease, valueLoader, ttl));
	}

	/**
	 * Polls, with growing pauses, until the value appears, the lease is ours (its holder
	 * gave up or died and it expired), or {@code maxWait} has passed.
	 */
	private Lookup awaitFill(String name, Lease lease) {
		long deadline = System.nanoTime() + this.maxWait.toNanos();
		long pause = FIRST_POLL_NANOS;
		Lookup lookup;
		do {
			if (System.nanoTime() + pause - deadline > 0 || !sleep(pause)) {
				count("cache.lease.waits", name, "result", "timeout");
				return Lookup.LEASED_BY_OTHER;
			}
			pause = Math.min(pause * 2, LONGEST_POLL_NANOS);
			lookup = lookup(lease);
		}
		while (lookup.leasedByOther());
		count("cache.lease.waits", name, "result", (lookup.value() != null) ? "hit" : "lease");
		return lookup;
	}

	private byte[] loadAndFill(String name, Lease lease, Supplier<byte[]> valueLoader, @Nullable Duration ttl) {
		byte[] value;
		byte[] ttlMillis = millis(this.leaseTtl);
		try (LeaseKeeper.Held held = this.keeper
			.hold(() -> this.redis.script(Operation.EXTEND, EXTEND, List.of(lease.key()), lease.token(), ttlMillis))) {
			value = valueLoader.get();
		}
		catch (RuntimeException ex) {
			release(lease);
			throw ex;
		}
		// "Absent" lives one lease period only: a burst of requests for a missing key
		// loads it once, and a creation that does not invalidate is seen soon anyway.
		fill(name, lease, value, Arrays.equals(value, NULL_VALUE) ? this.leaseTtl : ttl);
		return value;
	}

	private void fill(String name, Lease lease, byte[] value, @Nullable Duration ttl) {
		try {
			Long stored = this.redis.script(Operation.FILL, FILL, lease.entry().both(), lease.token(), value,
					millis(ttl));
			if (stored != null && stored == 1) {
				this.statistics.incPuts(name);
				count("cache.fills", name, "result", "stored");
			}
			else {
				// The lease is gone: a write invalidated the entry while we loaded it (or
				// the lease expired): this value may be older than the database now.
				count("cache.fills", name, "result", "refused");
			}
		}
		catch (RuntimeException ex) {
			count("cache.fills", name, "result", "failed");
			logger.debug("Cache fill failed on '" + name + "'; the value was served uncached", ex);
		}
	}

	private void release(Lease lease) {
		try {
			this.redis.script(Operation.RELEASE, RELEASE, List.of(lease.key()), lease.token());
		}
		catch (RuntimeException ex) {
			// The lease expires by itself.
		}
	}

	/** Reads the value; throws {@link RedisUnavailable}, nothing else. */
	private byte @Nullable [] read(byte[] key) {
		try {
			return this.redis.get(Operation.READ, key);
		}
		catch (RuntimeException ex) {
			throw new RedisUnavailable(ex);
		}
	}

	/** The version inside a cached value; "absent" and unversioned values have none. */
	private static long versionOf(byte[] value) {
		return Arrays.equals(value, NULL_VALUE) ? EncodedVersion.NONE : EncodedVersion.of(value);
	}

	/**
	 * Reads the value or takes the lease; throws {@link RedisUnavailable}, nothing else.
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	private Lookup lookup(Lease lease) {
		List<Object> result;
		try {
			result = this.redis.script(Operation.LOOKUP, GET_OR_LEASE, lease.entry().both(), lease.token(),
					millis(this.leaseTtl));
		}
		catch (RuntimeException ex) {
			throw new RedisUnavailable(ex);
		}
		long outcome = (Long) result.get(0);
		if (outcome == 1) {
			return new Lookup((byte[]) result.get(1), false);
		}
		return (outcome == 2) ? Lookup.LEASED : Lookup.LEASED_BY_OTHER;
	}

	/**
	 * Deletes the value and any lease on it. Never refused by the breaker, and its
	 * failure reaches the writer (see {@code TolerantCacheErrorHandler}), since an open
	 * breaker must not hide an invalidation.
	 */
	private Long invalidate(byte[] key) {
		return runInvalidating(Operation.INVALIDATE, INVALIDATE, EntryKey.of(key).both());
	}

	/**
	 * Runs a script that invalidates or writes through; with durable invalidation,
	 * returns only once replicas have its change.
	 */
	private Long runInvalidating(Operation operation, RedisScript<Long> script, List<byte[]> keys, byte[]... args) {
		ReplicatedWrites replicated = this.replicated;
		if (replicated != null) {
			return this.redis.execute(operation, () -> replicated.run(script, keys, args));
		}
		return this.redis.script(operation, script, keys, args);
	}

	/**
	 * Deletes the value and any lease on it: a fill that loaded the value before this
	 * call can no longer store it.
	 */
	@Override
	public void evict(String name, byte[] key) {
		invalidate(key);
		this.statistics.incDeletes(name);
	}

	/**
	 * Deletes any lease on {@code key} and its value unless that holds {@code version} or
	 * a newer one ({@link VersionedInvalidation#DELETED}: always). Not through the
	 * breaker, like an invalidation.
	 */
	void invalidateOlderThan(String name, byte[] key, long version) {
		byte[] held = Long.toString(version).getBytes(StandardCharsets.US_ASCII);
		Long deleted = runInvalidating(Operation.INVALIDATE, INVALIDATE_OLDER, EntryKey.of(key).both(), held);
		if (deleted != null && deleted > 0) {
			this.statistics.incDeletes(name);
		}
	}

	@Override
	public boolean evictIfPresent(String name, byte[] key) {
		Long deleted = invalidate(key);
		this.statistics.incDeletes(name);
		return deleted != null && deleted > 0;
	}

	/**
	 * Write-through: replaces the entry if it is there and older, and refuses in-flight
	 * fills; see the class description. Not through the breaker, like an invalidation.
	 */
	@Override
	public void put(String name, byte[] key, byte[] value, @Nullable Duration ttl) {
		Long outcome = runInvalidating(Operation.PUT, PUT_IF_NEWER, EntryKey.of(key).both(), value, millis(ttl),
				NULL_VALUE);
		if (outcome != null && outcome == 1) {
			this.statistics.incPuts(name);
		}
		if (outcome != null && outcome == 2 && this.putWarned.compareAndSet(false, true)) {
			logger.warn("Cache '" + name + "' got a value without a version: writes invalidate instead");
		}
		count("cache.puts.through", name, "result", (outcome == null) ? "failed" : switch (outcome.intValue()) {
			case 1 -> "stored";
			case 2 -> "invalidated";
			default -> "refused";
		});
	}

	@Override
	public CompletableFuture<Void> store(String name, byte[] key, byte[] value, @Nullable Duration ttl) {
		try {
			put(name, key, value, ttl);
			return CompletableFuture.completedFuture(null);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	/**
	 * Refused: storing without a lease could overwrite a newer value with an older one.
	 */
	@Override
	public byte @Nullable [] putIfAbsent(String name, byte[] key, byte[] value, @Nullable Duration ttl) {
		throw new UnsupportedOperationException(
				"putIfAbsent cannot refuse stale values; read through @Cacheable(sync = true) instead");
	}

	@Override
	public byte @Nullable [] get(String name, byte[] key) {
		return this.redis.execute(Operation.READ, () -> this.delegate.get(name, key));
	}

	@Override
	public byte @Nullable [] get(String name, byte[] key, @Nullable Duration ttl) {
		return this.redis.execute(Operation.READ, () -> this.delegate.get(name, key, ttl));
	}

	/**
	 * No: an asynchronous read would bypass the breaker, and its fill could not take a
	 * lease. Spring's {@code RedisCache} then refuses {@code retrieve} outright rather
	 * than caching without the guarantees; read through {@code @Cacheable(sync = true)}.
	 */
	@Override
	public boolean supportsAsyncRetrieve() {
		return false;
	}

	@Override
	public CompletableFuture<byte[]> retrieve(String name, byte[] key, @Nullable Duration ttl) {
		return CompletableFuture.failedFuture(new UnsupportedOperationException(
				"Asynchronous reads bypass leases; read through @Cacheable(sync = true) instead"));
	}

	/** Deletes the matching values and their leases (a lease lives beside its value). */
	@Override
	public void clear(String name, byte[] pattern) {
		this.redis.execute(Operation.CLEAR, () -> {
			this.delegate.clear(name, pattern);
			this.delegate.clear(name, EntryKey.of(pattern).lease());
			return null;
		});
	}

	@Override
	public void clearStatistics(String name) {
		this.delegate.clearStatistics(name);
	}

	@Override
	public CacheStatistics getCacheStatistics(String cacheName) {
		return this.delegate.getCacheStatistics(cacheName);
	}

	@Override
	public RedisCacheWriter withStatisticsCollector(CacheStatisticsCollector collector) {
		return new LeaseCacheWriter(this.delegate.withStatisticsCollector(collector), this.redis, collector,
				this.failures, this.meters, this.leaseTtl, this.maxWait, this.keeper, this.putWarned, this.tracing,
				this.replicated, this.replicaReads);
	}

	private static byte[] millis(@Nullable Duration ttl) {
		// 0 means "no expiry" to the scripts: a positive TTL under 1 ms is rounded up.
		long millis = (ttl != null && !ttl.isNegative() && !ttl.isZero()) ? Math.max(1, ttl.toMillis()) : 0;
		return Long.toString(millis).getBytes(StandardCharsets.US_ASCII);
	}

	private static boolean sleep(long nanos) {
		try {
			TimeUnit.NANOSECONDS.sleep(nanos);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * Registers this writer's counters of one cache at zero, so that dashboards and
	 * alerts find them before the first lease wait or fill happens.
	 */
	static void registerMeters(MeterRegistry registry, String cache) {
		for (String result : List.of("hit", "lease", "timeout")) {
			Counter.builder("cache.lease.waits").tag("cache", cache).tag("result", result).register(registry);
		}
		for (String result : List.of("stored", "refused", "failed")) {
			Counter.builder("cache.fills").tag("cache", cache).tag("result", result).register(registry);
		}
	}

	private void count(String meter, String cache, String tag, String value) {
		Counter.builder(meter).tag("cache", cache).tag(tag, value).register(this.meters).increment();
	}

	/** A lookup failed before anything was loaded: read the database instead. */
	private static final class RedisUnavailable extends RuntimeException {

		private final RuntimeException cause;

		RedisUnavailable(RuntimeException cause) {
			super(null, cause, false, false);
			this.cause = cause;
		}

	}

	/**
	 * What a lookup found.
	 *
	 * @param value the cached value, if there was one
	 * @param leasedByOther whether another caller holds the lease (otherwise, without a
	 * value, the caller holds it)
	 */
	private record Lookup(byte @Nullable [] value, boolean leasedByOther) {

		static final Lookup LEASED = new Lookup(null, false);

		static final Lookup LEASED_BY_OTHER = new Lookup(null, true);

	}

}
