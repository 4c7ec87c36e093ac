package dev.userprofiles.cache;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache;
import org.springframework.cache.interceptor.CacheErrorHandler;
import org.springframework.data.redis.serializer.SerializationException;

/**
 * Makes a cache failure cost a cache miss, never a request: reads fall through to
 * Postgres, writes still commit. Every failure is recorded by {@link CacheFailures}.
 * <p>
 * An entry that cannot be decoded is evicted, so the next read stores a fresh one. When a
 * put or evict fails, the entry it should have replaced is evicted later by
 * {@link PendingEvictions}, so a write is never shadowed by an older entry for a TTL.
 */
class TolerantCacheErrorHandler implements CacheErrorHandler {

	private final CacheFailures failures;

	private final PendingEvictions pendingEvictions;

	TolerantCacheErrorHandler(CacheFailures failures, PendingEvictions pendingEvictions) {
		this.failures = failures;
		this.pendingEvictions = pendingEvictions;
	}

	@Override
	public void handleCacheGetError(RuntimeException exception, Cache cache, Object key) {
		record(exception, cache, "get", key);
		if (exception instanceof SerializationException) {
			try {
				cache.evict(key);
			}
			catch (RuntimeException ex) {
				handleCacheEvictError(ex, cache, key);
			}
		}
	}

	@Override
	public void handleCachePutError(RuntimeException exception, Cache cache, Object key, @Nullable Object value) {
		record(exception, cache, "put", key);
		this.pendingEvictions.retry(cache, key);
	}

	@Override
	public void handleCacheEvictError(RuntimeException exception, Cache cache, Object key) {
		record(exception, cache, "evict", key);
		this.pendingEvictions.retry(cache, key);
	}

	@Override
	public void handleCacheClearError(RuntimeException exception, Cache cache) {
		record(exception, cache, "clear", "*");
	}

	private void record(RuntimeException exception, Cache cache, String operation, Object key) {
		this.failures.record(exception, cache.getName(), operation, key);
	}

}
