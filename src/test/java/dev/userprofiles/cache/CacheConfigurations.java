package dev.userprofiles.cache;

import java.util.ArrayList;
import java.util.List;

import dev.userprofiles.infra.ProfileLoads;
import dev.userprofiles.infra.ServiceInstance;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Instances of the two configurations the concurrency tests compare, each with a
 * {@link ProfileLoads} probe: the service as shipped (leases), and textbook cache-aside
 * ({@link TextbookCache}) under a key prefix of its own, so the two never read each
 * other's entries.
 */
final class CacheConfigurations {

	static final String TEXTBOOK_KEY_PREFIX = "textbook:";

	private CacheConfigurations() {
	}

	static ServiceInstance leased(String... properties) {
		return ServiceInstance.start(List.of(ProfileLoads.class), properties);
	}

	/**
	 * What a counter of the {@code users} cache with the given {@code result} tag counted
	 * on an instance; 0 before its first increment.
	 */
	static double usersCount(ServiceInstance instance, String meter, String result) {
		Counter counter = instance.bean(MeterRegistry.class)
			.find(meter)
			.tag("cache", CacheNames.USERS)
			.tag("result", result)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	static ServiceInstance textbook(String... properties) {
		List<String> all = new ArrayList<>(List.of(properties));
		all.add("profiles.cache.key-prefix=" + TEXTBOOK_KEY_PREFIX);
		return ServiceInstance.start(List.of(ProfileLoads.class, TextbookCache.class), all.toArray(String[]::new));
	}

}
