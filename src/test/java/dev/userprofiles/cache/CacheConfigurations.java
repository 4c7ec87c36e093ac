package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.userprofiles.infra.ProfileLoads;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.profile.ProfileCache;
import io.lettuce.core.internal.HostAndPort;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisConnectionFactory;

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
			.tag("cache", ProfileCache.NAME)
			.tag("result", result)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	/**
	 * Hits of the {@code users} cache's local level, summed over instances.
	 */
	static double localHits(List<ServiceInstance> instances) {
		double hits = 0;
		for (ServiceInstance instance : instances) {
			FunctionCounter counter = instance.bean(MeterRegistry.class)
				.find("cache.gets")
				.tag("cache", ProfileCache.NAME + ".local")
				.tag("result", "hit")
				.functionCounter();
			hits += (counter != null) ? counter.count() : 0;
		}
		return hits;
	}

	/** The index of the Redis node that is master of {@code key}'s slot. */
	static int masterIndexOf(ServiceInstance instance, String key, TestInfrastructure infrastructure) {
		try (RedisClusterConnection connection = instance.bean(RedisConnectionFactory.class).getClusterConnection()) {
			RedisClusterNode owner = connection.clusterGetNodeForKey(key.getBytes(StandardCharsets.UTF_8));
			List<HostAndPort> nodes = infrastructure.redisNodes();
			for (int i = 0; i < nodes.size(); i++) {
				if (nodes.get(i).getPort() == owner.getPort()) {
					return i;
				}
			}
			throw new IllegalStateException("No test node serves " + owner);
		}
	}

	/**
	 * The shipped configuration reading the Redis level from replicas, under a key prefix
	 * (and bus) of its own. A local level of one byte holds nothing, so reads reach
	 * Redis; a TTL of 4 s makes a new member's wait for complete fences (one TTL) short.
	 */
	static ServiceInstance replicaReading() {
		return replicaLayout("profiles.cache.replica-reads.enabled=true");
	}

	/** The same keys and bus as {@link #replicaReading()}, reading masters only. */
	static ServiceInstance mastersOnlyReading() {
		return replicaLayout("profiles.cache.replica-reads.enabled=false");
	}

	private static ServiceInstance replicaLayout(String replicaReads) {
		return leased(replicaReads, "profiles.cache.key-prefix=replicas:", "profiles.cache.caches.users.local-size=1B",
				"profiles.cache.caches.users.ttl=4s");
	}

	/**
	 * Counts of Redis-level reads summed over instances: {served by a replica, refused by
	 * a fence and read from the master}.
	 */
	static double[] replicaReads(List<ServiceInstance> instances) {
		double served = 0;
		double refused = 0;
		for (ServiceInstance instance : instances) {
			MeterRegistry registry = instance.bean(MeterRegistry.class);
			served += registry.get("cache.replica.reads").tag("result", "served").counter().count();
			refused += registry.get("cache.replica.reads").tag("result", "stale").counter().count();
		}
		return new double[] { served, refused };
	}

	/**
	 * Waits (at most 15 s) until every instance has passed the wait for complete fences
	 * that follows its start, reading a missing profile to see a replica answer.
	 */
	static void awaitReplicaReads(List<ServiceInstance> instances) {
		for (ServiceInstance instance : instances) {
			MeterRegistry registry = instance.bean(MeterRegistry.class);
			long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
			while (registry.get("cache.replica.reads").tag("result", "miss").counter().count() == 0) {
				if (System.nanoTime() > deadline) {
					throw new AssertionError("Instance on port " + instance.port() + " reads no replica after 15 s");
				}
				new dev.userprofiles.infra.ApiClient().get(instance.url("/users/" + Long.MAX_VALUE));
				try {
					Thread.sleep(200);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

	static ServiceInstance textbook(String... properties) {
		List<String> all = new ArrayList<>(List.of(properties));
		all.add("profiles.cache.key-prefix=" + TEXTBOOK_KEY_PREFIX);
		// Textbook cache-aside has no local level.
		all.add("profiles.cache.near.enabled=false");
		return ServiceInstance.start(List.of(ProfileLoads.class, TextbookCache.class), all.toArray(String[]::new));
	}

}
