package dev.userprofiles.cache;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the Redis cache layer, one entry per cache name.
 *
 * @param keyPrefix prefix of every key: a cached value lives at
 * {@code <keyPrefix><cache>::<key>}
 * @param ttlJitter fraction of the TTL added at random to each entry (0.1 means up to
 * +10%) so that entries written together do not expire together; 0 turns jitter off
 * @param errorLogInterval at most one warning per cache operation is logged in this
 * interval when Redis fails; every failure is still counted in {@code cache.errors}
 * @param adaptiveRefreshTimeout least time between two Redis Cluster topology refreshes
 * triggered by events (MOVED redirects, reconnects); Lettuce's default of 30 s leaves a
 * failover unnoticed until the periodic refresh
 * @param lease how misses are filled: one loader per key across all instances
 * @param breaker when the cache layer stops calling Redis and reads the database directly
 * @param caches per cache name: its TTL and value format
 */
@ConfigurationProperties("profiles.cache")
@Validated
record ProfileCacheProperties(@DefaultValue("profiles:") String keyPrefix,
		@DefaultValue("0.1") @DecimalMin("0.0") @DecimalMax("1.0") double ttlJitter,
		@DefaultValue("10s") Duration errorLogInterval, @DefaultValue("1s") Duration adaptiveRefreshTimeout,
		@DefaultValue @Valid Lease lease, @DefaultValue @Valid Breaker breaker,
		@NotEmpty Map<String, @Valid CacheSpec> caches) {

	ProfileCacheProperties {
		// Unconfigured, the cache would fail every call outside the error handler:
		// fail at startup instead.
		if (!caches.containsKey(CacheNames.USERS)) {
			throw new IllegalArgumentException("profiles.cache.caches." + CacheNames.USERS + " must be configured");
		}
	}

	/**
	 * Leases on misses (see {@code LeaseCacheWriter}).
	 *
	 * @param ttl how long a lease lives: longer than a database load takes, since a load
	 * that outlives its lease is not cached; it is also how long others wait when the
	 * lease holder dies
	 * @param maxWait the longest a request waits for another's fill before it reads the
	 * database itself; longer than {@code ttl}, so that a dead holder's lease expires and
	 * one waiter takes over
	 */
	record Lease(@DefaultValue("2s") Duration ttl, @DefaultValue("3s") Duration maxWait) {

		Lease {
			if (maxWait.compareTo(ttl) <= 0) {
				throw new IllegalArgumentException(
						"profiles.cache.lease.max-wait (" + maxWait + ") must exceed the lease ttl (" + ttl + ")");
			}
		}

	}

	/**
	 * The circuit breaker in front of Redis. It opens when, among the last {@code window}
	 * calls (at least half of them made), {@code failureRateThreshold} percent failed (a
	 * stalled Redis fails too, at the command timeout); it stays open for
	 * {@code openDuration}, then lets a few calls probe Redis.
	 *
	 * @param window how many recent calls are judged
	 * @param failureRateThreshold percentage of failed calls that opens it
	 * @param openDuration how long calls skip Redis before probing it again
	 */
	record Breaker(@DefaultValue("20") @Min(2) int window,
			@DefaultValue("50") @DecimalMin("1") @DecimalMax("100") float failureRateThreshold,
			@DefaultValue("2s") Duration openDuration) {

	}

	/**
	 * How one cache stores its entries.
	 *
	 * @param ttl how long an entry lives before jitter is added
	 * @param format how values are encoded
	 */
	record CacheSpec(@NotNull Duration ttl, @DefaultValue("protobuf") ValueFormat format) {

		CacheSpec {
			// Redis reads a zero TTL as "never expire" and refuses a negative one.
			if (ttl != null && (ttl.isZero() || ttl.isNegative())) {
				throw new IllegalArgumentException("A cache TTL must be positive, not " + ttl);
			}
		}

	}

}
