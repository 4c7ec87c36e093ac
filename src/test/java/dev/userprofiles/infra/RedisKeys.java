package dev.userprofiles.infra;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;

import dev.userprofiles.cache.ShippedCacheSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
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
	 * The key of a cache entry under the shipped key prefix:
	 * {@code profiles:<cache>::<id>}.
	 */
	public static String cacheKey(String cacheName, Object key) {
		return ShippedCacheSettings.key(cacheName, key);
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

	/** Whether the key exists, {@code false} while its node cannot be reached. */
	public boolean existsIfReachable(String key) {
		try {
			return exists(key);
		}
		catch (RuntimeException ex) {
			return false;
		}
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

	/**
	 * How often {@code command} ran on all nodes together, from
	 * {@code INFO commandstats}.
	 */
	public long commandCalls(String command) {
		long calls = 0;
		try (RedisClusterConnection connection = this.connectionFactory.getClusterConnection()) {
			for (RedisClusterNode node : connection.clusterGetNodes()) {
				Properties stats = connection.serverCommands().info(node, "commandstats");
				String line = (stats != null) ? stats.getProperty("cmdstat_" + command) : null;
				if (line != null) {
					// calls=12,usec=34,...
					calls += Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
				}
			}
		}
		return calls;
	}

	private static byte[] bytes(String key) {
		return key.getBytes(StandardCharsets.UTF_8);
	}

}
