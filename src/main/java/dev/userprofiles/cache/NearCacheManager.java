package dev.userprofiles.cache;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * Puts a local level ({@link NearCache}) in front of the caches of Boot's
 * {@code RedisCacheManager} that are configured with a {@code local-size}; the others are
 * handed out as they are.
 */
final class NearCacheManager implements CacheManager {

	private final CacheManager redis;

	private final Function<Cache, @Nullable Cache> decorator;

	private final Map<String, Cache> caches = new ConcurrentHashMap<>();

	/**
	 * @param redis Boot's Redis cache manager
	 * @param decorator the two-level cache for a Redis cache, or {@code null} when it has
	 * no local level
	 */
	NearCacheManager(CacheManager redis, Function<Cache, @Nullable Cache> decorator) {
		this.redis = redis;
		this.decorator = decorator;
	}

	@Override
	public @Nullable Cache getCache(String name) {
		Cache cache = this.caches.get(name);
		if (cache != null) {
			return cache;
		}
		Cache redisLevel = this.redis.getCache(name);
		if (redisLevel == null) {
			return null;
		}
		return this.caches.computeIfAbsent(name, (key) -> {
			Cache near = this.decorator.apply(redisLevel);
			return (near != null) ? near : redisLevel;
		});
	}

	@Override
	public Collection<String> getCacheNames() {
		return this.redis.getCacheNames();
	}

}
