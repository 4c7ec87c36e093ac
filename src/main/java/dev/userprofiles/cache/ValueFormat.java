package dev.userprofiles.cache;

/**
 * How a cache encodes its values in Redis.
 */
public enum ValueFormat {

	/**
	 * Typed JSON: a Jackson serializer bound to one class, no type hints, no default
	 * typing.
	 */
	JSON,

	/** Protobuf bytes of a message compiled from {@code src/main/protobuf}. */
	PROTOBUF

}
