package dev.userprofiles.cache;

import java.util.function.Consumer;

import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.jspecify.annotations.Nullable;

/**
 * A Redis Cluster connection of its own, beside the shared one Spring Data uses, opened
 * on first use (Redis may be down when the service starts) through {@link CacheRedis},
 * from Boot's client, so it has the same nodes, credentials, TLS and topology options.
 */
final class DedicatedClusterConnection implements AutoCloseable {

	private final CacheRedis redis;

	private final String purpose;

	private final Consumer<StatefulRedisClusterConnection<byte[], byte[]>> configure;

	private volatile @Nullable StatefulRedisClusterConnection<byte[], byte[]> connection;

	/**
	 * @param purpose what needs the cluster, for the error when Redis is standalone
	 * @param configure applied once to the new connection
	 */
	DedicatedClusterConnection(CacheRedis redis, String purpose,
			Consumer<StatefulRedisClusterConnection<byte[], byte[]>> configure) {
		this.redis = redis;
		this.purpose = purpose;
		this.configure = configure;
	}

	StatefulRedisClusterConnection<byte[], byte[]> get() {
		StatefulRedisClusterConnection<byte[], byte[]> connection = this.connection;
		if (connection != null) {
			return connection;
		}
		synchronized (this) {
			if (this.connection == null) {
				StatefulRedisClusterConnection<byte[], byte[]> created = this.redis.connect(ByteArrayCodec.INSTANCE,
						this.purpose);
				this.configure.accept(created);
				this.connection = created;
			}
			return this.connection;
		}
	}

	@Override
	public void close() {
		StatefulRedisClusterConnection<byte[], byte[]> connection = this.connection;
		if (connection != null) {
			connection.close();
		}
	}

}
