package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Span;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache;
import org.springframework.cache.support.SimpleValueWrapper;
import org.springframework.data.redis.cache.RedisCache;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.util.unit.DataSize;

/**
 * A two-level cache: a per-instance Caffeine level in front of the Redis Cluster level,
 * behind Spring's {@link Cache} so the service stays on annotations. A local hit costs no
 * Redis call, no decoding and no breaker.
 * <p>
 * The local level is served only while the {@link InvalidationBus} membership lease is
 * fresh, and every write waits until every live member has dropped the key. A fill (a
 * value read through the Redis level) installs into the local level only if no
 * invalidation of its key, and no clear, happened since the fill began: it takes a
 * <em>ticket</em> first (the clear epoch plus the key's stripe counter) and installs
 * inside Caffeine's per-key {@code compute} only if the ticket is unchanged.
 * Invalidations bump the stripe inside {@code compute} of the same key, so the check and
 * the install cannot interleave with them. A stripe shared by several keys only ever
 * refuses more fills, never fewer.
 * <p>
 * Writes (evictions, and puts written through) change the Redis level first, then the
 * local level, then publish: a fill whose ticket is newer than the local invalidation
 * therefore reads Redis after its change.
 * <p>
 * Concurrent local misses of one key share one read of the Redis level (a
 * <em>flight</em>): followers wait for its value, at most {@code max-wait}, instead of
 * each polling Redis for the lease holder's fill. A request may join a flight only when
 * it could be served a local hit at that moment (the membership lease is fresh) and the
 * key's ticket still equals the flight's: then no invalidation of the key, and no clear,
 * was applied since the flight began, so no write acknowledged before the request began
 * can be newer than the flight's value (the same argument as for a local hit). Otherwise
 * the request starts a flight of its own.
 */
final class NearCache implements Cache, VersionedInvalidation {

	private static final int STRIPES = 4096;

	/** Per-entry memory beyond the encoded value: key, node, object headers. */
	static final int ENTRY_OVERHEAD_BYTES = 256;

	private final Cache redis;

	private final com.github.benmanes.caffeine.cache.Cache<String, Object> local;

	private final ConcurrentMap<String, Object> localMap;

	private final InvalidationBus bus;

	private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);

	private final AtomicLong epoch = new AtomicLong();

	/** The reads of the Redis level running now, by key. */
	private final ConcurrentMap<String, Flight> flights = new ConcurrentHashMap<>();

	private final Duration maxWait;

	private final Counter joined;

	private final CacheTracing tracing;

	private final ToLongFunction<Object> versionOf;

	/**
	 * @param redis the Redis level
	 * @param maximum the local level's bound
	 * @param ttl how long a local entry lives at most (the Redis level's TTL)
	 * @param encodedSize a value's size in bytes, encoded as Redis stores it
	 * @param versionOf a value's version
	 * @param bus the bus that invalidates this cache's local level on every member
	 * @param maxWait how long a request waits for another's read of the same key
	 * @param meters where the count of joined reads goes
	 * @param tracing where the local level's spans go
	 */
	NearCache(Cache redis, DataSize maximum, Duration ttl, ToIntFunction<Object> encodedSize,
			ToLongFunction<Object> versionOf, InvalidationBus bus, Duration maxWait, MeterRegistry meters,
			CacheTracing tracing) {
		this.redis = redis;
		this.versionOf = versionOf;
		this.tracing = tracing;
		this.maxWait = maxWait;
		this.joined = Counter.builder("cache.near.joined")
			.description("Local misses that waited for a read of the same key already running on this instance")
			.tag("cache", redis.getName())
			.register(meters);
		this.local = Caffeine.newBuilder()
			.maximumWeight(maximum.toBytes())
			.weigher((String key, Object value) -> encodedSize.applyAsInt(value) + ENTRY_OVERHEAD_BYTES)
			.expireAfterWrite(ttl)
			.recordStats()
			.build();
		this.localMap = this.local.asMap();
		this.bus = bus;
		bus.register(this);
	}

	@Override
	public String getName() {
		return this.redis.getName();
	}

	@Override
	public Object getNativeCache() {
		return this.local;
	}

	/** The Redis level, for its metrics. */
	Cache redisLevel() {
		return this.redis;
	}

	com.github.benmanes.caffeine.cache.Cache<String, Object> localLevel() {
		return this.local;
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
		return this.tracing.inSpan("cache.local", getName(), (span) -> get(key, valueLoader, span));
	}

	@SuppressWarnings("unchecked")
	private <T> @Nullable T get(Object key, Callable<T> valueLoader, Span span) {
		String localKey = key.toString();
		Object cached = localHit(localKey);
		span.tag("hit", cached != null);
		if (cached != null) {
			return (T) cached;
		}
		long ticket = ticket(localKey);
		Flight flight = new Flight(ticket);
		boolean mayJoin = this.bus.servesLocally();
		Flight running = this.flights.compute(localKey,
				(k, current) -> (mayJoin && current != null && current.ticket == ticket) ? current : flight);
		if (running != flight) {
			return (T) join(key, running, valueLoader);
		}
		try {
			T value = this.redis.get(key, valueLoader);
			install(localKey, value, ticket);
			flight.value.complete(value);
			return value;
		}
		catch (RuntimeException | Error ex) {
			flight.value.completeExceptionally(ex);
			throw ex;
		}
		finally {
			this.flights.remove(localKey, flight);
		}
	}

	/**
	 * Waits for a flight's value; after {@code max-wait} reads the database without the
	 * cache, as a lease waiter does. The flight's failure (a failing database) is the
	 * follower's too: retrying it per follower would only pile up on that database.
	 */
	private @Nullable Object join(Object key, Flight flight, Callable<?> valueLoader) {
		this.joined.increment();
		try {
			return flight.value.get(this.maxWait.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			return load(key, valueLoader);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException failure) {
				throw failure;
			}
			throw new IllegalStateException(ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for a read of the same key", ex);
		}
	}

	private static @Nullable Object load(Object key, Callable<?> valueLoader) {
		try {
			return valueLoader.call();
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new ValueRetrievalException(key, valueLoader, ex);
		}
	}

	@Override
	public @Nullable ValueWrapper get(Object key) {
		String localKey = key.toString();
		Object cached = localHit(localKey);
		if (cached != null) {
			return new SimpleValueWrapper(cached);
		}
		long ticket = ticket(localKey);
		ValueWrapper wrapper = this.redis.get(key);
		if (wrapper != null) {
			install(localKey, wrapper.get(), ticket);
		}
		return wrapper;
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> @Nullable T get(Object key, @Nullable Class<T> type) {
		ValueWrapper wrapper = get(key);
		Object value = (wrapper != null) ? wrapper.get() : null;
		if (value != null && type != null && !type.isInstance(value)) {
			throw new IllegalStateException("Cached value is not of required type [" + type.getName() + "]: " + value);
		}
		return (T) value;
	}

	/**
	 * Write-through: the Redis level takes the value if it is newer than its entry (see
	 * {@code LeaseCacheWriter}); the local levels drop the key as on {@link #evict} and
	 * read the new value from Redis next.
	 */
	@Override
	public void put(Object key, @Nullable Object value) {
		long version = (value != null) ? this.versionOf.applyAsLong(value) : DELETED;
		writeThenInvalidate(key, version, () -> this.redis.put(key, value));
	}

	@Override
	public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
		return this.redis.putIfAbsent(key, value);
	}

	/**
	 * Removes the key from Redis, from this instance and from every live member, and
	 * returns only once they have all applied it. A Redis failure is thrown after the
	 * local level was invalidated and the other members were told as far as possible.
	 */
	@Override
	public void evict(Object key) {
		writeThenInvalidate(key, DELETED, () -> this.redis.evict(key));
	}

	/**
	 * Drops copies of {@code key} older than {@code version}: from Redis unless its entry
	 * is as new (a write-through value survives), and from every local level (a local
	 * copy may be older than what Redis holds), as on {@link #evict}.
	 */
	@Override
	public void invalidate(Object key, long version) {
		writeThenInvalidate(key, version, () -> {
			if (this.redis instanceof RedisCache redisCache
					&& redisCache.getNativeCache() instanceof LeaseCacheWriter writer) {
				RedisCacheConfiguration configuration = redisCache.getCacheConfiguration();
				String redisKey = configuration.getKeyPrefixFor(getName())
						+ configuration.getConversionService().convert(key, String.class);
				writer.invalidateOlderThan(getName(), redisKey.getBytes(StandardCharsets.UTF_8), version);
			}
			else {
				this.redis.evict(key);
			}
		});
	}

	private void writeThenInvalidate(Object key, long version, Runnable redisWrite) {
		String localKey = key.toString();
		// Before the write: no read of this instance that starts after it may take an
		// older replica value.
		this.bus.fence(getName(), localKey, version);
		RuntimeException failure = null;
		try {
			redisWrite.run();
		}
		catch (RuntimeException ex) {
			failure = ex;
		}
		// And after it: a fence's retention must count from the write's end.
		this.bus.fence(getName(), localKey, version);
		invalidateLocally(localKey);
		try {
			this.tracing.inSpan("cache.invalidation", getName(),
					() -> this.bus.publishAndAwait(getName(), localKey, version));
		}
		catch (RuntimeException ex) {
			if (failure == null) {
				failure = ex;
			}
			else {
				failure.addSuppressed(ex);
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

	@Override
	public boolean evictIfPresent(Object key) {
		evict(key);
		return true;
	}

	@Override
	public void clear() {
		this.bus.fence(getName(), null, DELETED);
		this.redis.clear();
		clearLocally();
		this.bus.publishAndAwait(getName(), null, DELETED);
	}

	@Override
	public boolean invalidate() {
		clear();
		return true;
	}

	private @Nullable Object localHit(String key) {
		return this.bus.servesLocally() ? this.local.getIfPresent(key) : null;
	}

	private long ticket(String key) {
		// Both counters only grow, so any change makes the sum grow.
		return this.epoch.get() + this.stripes.get(stripe(key));
	}

	private void install(String key, @Nullable Object value, long ticket) {
		if (value == null) {
			return;
		}
		this.localMap.compute(key, (k, current) -> (ticket(k) == ticket) ? value : current);
	}

	/** Drops the key and refuses every fill of it that began before. */
	void invalidateLocally(String key) {
		this.localMap.compute(key, (k, current) -> {
			this.stripes.incrementAndGet(stripe(k));
			return null;
		});
	}

	/** Drops every key and refuses every fill that began before. */
	void clearLocally() {
		this.epoch.incrementAndGet();
		this.local.invalidateAll();
	}

	/** A read of the Redis level, begun with {@code ticket}. */
	private static final class Flight {

		final long ticket;

		final CompletableFuture<@Nullable Object> value = new CompletableFuture<>();

		Flight(long ticket) {
			this.ticket = ticket;
		}

	}

	private static int stripe(String key) {
		return (key.hashCode() & Integer.MAX_VALUE) % STRIPES;
	}

}
