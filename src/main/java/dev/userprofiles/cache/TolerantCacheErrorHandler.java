package dev.userprofiles.cache;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache;
import org.springframework.cache.interceptor.CacheErrorHandler;
import org.springframework.data.redis.serializer.SerializationException;

/**
 * Makes a failed cache read cost a cache miss, never a request: reads fall through to
 * Postgres. A failed invalidation (put or evict after a write's commit) is retried by
 * {@link PendingEvictions} and thrown as {@link CacheInvalidationException}, answered
 * with 503: the write is committed, but an older value may still be served somewhere, so
 * it must not be acknowledged. Every failure is recorded by {@link CacheFailures}.
 * <p>
 * An entry that cannot be decoded is evicted, so the next read stores a fresh one.
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
				// A read: the undecodable entry is no newer than the database.
				record(ex, cache, "evict", key);
				this.pendingEvictions.retry(cache, key);
			}
		}
	}

	@Override
	public void handleCachePutError(RuntimeException exception, Cache cache, Object key, @Nullable Object value) {
		record(exception, cache, "put", key);
		this.pendingEvictions.retry(cache, key);
		throw unacknowledged(exception);
	}

	@Override
	public void handleCacheEvictError(RuntimeException exception, Cache cache, Object key) {
		record(exception, cache, "evict", key);
		this.pendingEvictions.retry(cache, key);
		throw unacknowledged(exception);
	}

	private static RuntimeException unacknowledged(RuntimeException exception) {
		if (exception instanceof CacheInvalidationException) {
			return exception;
		}
		return new CacheInvalidationException("Cache invalidation failed", exception);
	}

	@Override
	public void handleCacheClearError(RuntimeException exception, Cache cache) {
		record(exception, cache, "clear", "*");
	}

	private void record(RuntimeException exception, Cache cache, String operation, Object key) {
		this.failures.record(exception, cache.getName(), operation, key);
	}

}
