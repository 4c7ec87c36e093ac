package dev.userprofiles.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The five levers of a distributed cache that the levers benchmark measures, in the order
 * of {@code docs/levers.md}. Each runs alone as {@code ./bench/run.sh <id>}.
 */
enum Lever {

	/** Redis's eviction policies under memory pressure. */
	EVICTION,

	/** Entry lifetimes, with and without change data capture. */
	TTL,

	/** JSON against protobuf: time, allocation and bytes. */
	SERIALIZATION,

	/** Key design: hot spots on one master. */
	KEYS,

	/** Masters and replicas per shard: cost and recovery. */
	TOPOLOGY;

	/** Its name on the command line, in results and in {@code docs/levers.md}. */
	String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	static Optional<Lever> byId(String id) {
		return Arrays.stream(values()).filter((lever) -> lever.id().equals(id)).findFirst();
	}

}
