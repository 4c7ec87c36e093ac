package dev.userprofiles.cache;

import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.data.redis.serializer.SerializationException;

/**
 * What the cache layer knows of the values one cache holds. The module that owns the
 * values declares its codec as a bean, so the cache layer never names a domain type; each
 * configured cache needs exactly one codec, and each codec a configuration under
 * {@code profiles.cache.caches.<name>}.
 *
 * @param <T> the type of the cached values
 */
public interface CacheValueCodec<T> {

	/**
	 * The cache whose values this codec encodes.
	 * @return the cache's name
	 */
	String cacheName();

	/**
	 * The serializer of one value format. Its {@code deserialize} must fail with
	 * {@link SerializationException} on any bytes that do not hold a well-formed value:
	 * the cache layer treats exactly that failure as a miss and evicts the entry.
	 * @param format the format the cache is configured with
	 * @return the serializer
	 */
	RedisSerializer<T> serializer(ValueFormat format);

	/**
	 * The version of a value, increasing with every write of it: the local level keeps
	 * the newer of two versions. Redis compares versions too, inside its scripts, without
	 * this codec: there a value must end with its version (protobuf field 10 as the last
	 * field, or a JSON object whose last member is {@code "version"}), below 2^53 (Lua
	 * numbers are doubles). A value that does not is still cached, but a write-through
	 * put then invalidates instead of replacing (logged once).
	 * @param value a value of this cache
	 * @return its version
	 */
	long version(T value);

}
