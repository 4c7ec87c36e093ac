package dev.userprofiles.cache;

import java.util.function.Consumer;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A Redis Cluster connection of its own, beside the shared one Spring Data uses, opened
 * on first use (Redis may be down when the service starts) from Boot's client, so it has
 * the same nodes, credentials, TLS and topology options.
 */
final class DedicatedClusterConnection implements AutoCloseable {

	private final LettuceConnectionFactory connectionFactory;

	private final String purpose;

	private final Consumer<StatefulRedisClusterConnection<byte[], byte[]>> configure;

	private volatile @Nullable StatefulRedisClusterConnection<byte[], byte[]> connection;

	/**
	 * @param purpose what needs the cluster, for the error when Redis is standalone
	 * @param configure applied once to the new connection
	 */
	DedicatedClusterConnection(LettuceConnectionFactory connectionFactory, String purpose,
			Consumer<StatefulRedisClusterConnection<byte[], byte[]>> configure) {
		this.connectionFactory = connectionFactory;
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
				if (!(this.connectionFactory.getRequiredNativeClient() instanceof RedisClusterClient client)) {
					throw new IllegalStateException(this.purpose + " needs a Redis Cluster");
				}
				StatefulRedisClusterConnection<byte[], byte[]> created = client.connect(ByteArrayCodec.INSTANCE);
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
