package dev.userprofiles.infra;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Reads and writes raw cache entries in the Redis Cluster, so tests can observe what the
 * cache layer stored rather than trust it.
 */
public final class RedisKeys {

	private final RedisConnectionFactory connectionFactory;

	public RedisKeys(RedisConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	/**
	 * The key of a cached entry: {@code profiles:<cache>::<id>} with the default prefix.
	 */
	public static String cacheKey(String cacheName, Object key) {
		return "profiles:" + cacheName + "::" + key;
	}

	public byte @Nullable [] get(String key) {
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			return connection.stringCommands().get(bytes(key));
		}
	}

	public void set(String key, byte[] value) {
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			connection.stringCommands().set(bytes(key), value);
		}
	}

	public boolean exists(String key) {
		return get(key) != null;
	}

	public void delete(String key) {
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			connection.keyCommands().del(bytes(key));
		}
	}

	/** Remaining time to live, or {@code null} when the key is absent or has none. */
	public @Nullable Duration ttl(String key) {
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			Long millis = connection.keyCommands().pTtl(bytes(key));
			return (millis == null || millis < 0) ? null : Duration.ofMillis(millis);
		}
	}

	private static byte[] bytes(String key) {
		return key.getBytes(StandardCharsets.UTF_8);
	}

}
