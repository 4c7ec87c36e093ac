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
import org.springframework.util.unit.DataSize;
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
 * @param near the per-instance level in front of Redis and how writers invalidate it
 * @param durableInvalidation whether a write's change to Redis must reach replicas before
 * the write is acknowledged
 * @param replicaReads whether the Redis level is read from replicas
 * @param caches per cache name: its TTL, value format and local level size
 */
@ConfigurationProperties("profiles.cache")
@Validated
record ProfileCacheProperties(@DefaultValue("profiles:") String keyPrefix,
		@DefaultValue("0.1") @DecimalMin("0.0") @DecimalMax("1.0") double ttlJitter,
		@DefaultValue("10s") Duration errorLogInterval, @DefaultValue("1s") Duration adaptiveRefreshTimeout,
		@DefaultValue @Valid Lease lease, @DefaultValue @Valid Breaker breaker, @DefaultValue @Valid Near near,
		@DefaultValue @Valid DurableInvalidation durableInvalidation, @DefaultValue @Valid ReplicaReads replicaReads,
		@NotEmpty Map<String, @Valid CacheSpec> caches) {

	/**
	 * Leases on misses (see {@code LeaseCacheWriter}).
	 *
	 * @param ttl how long a lease lives unless its holder extends it: how long others
	 * wait when the holder's process dies
	 * @param maxLoad how long a holder extends its lease while it loads: at least the
	 * longest a database load takes (Hikari's {@code connection-timeout} plus the
	 * statement timeout), so that a slow load is not joined by a second one; a load still
	 * running after it (a stuck thread) lets the lease lapse within {@code ttl}
	 * @param maxWait the longest a request waits for another's fill before it reads the
	 * database itself: longer than {@code max-load} plus {@code ttl}, so that a slow load
	 * is waited for, and a stuck holder's lease lapses and one waiter takes over first
	 */
	record Lease(@DefaultValue("2s") Duration ttl, @DefaultValue("3s") Duration maxLoad,
			@DefaultValue("6s") Duration maxWait) {

		Lease {
			if (maxWait.compareTo(maxLoad.plus(ttl)) <= 0) {
				throw new IllegalArgumentException("profiles.cache.lease.max-wait (" + maxWait
						+ ") must exceed max-load plus ttl (" + maxLoad.plus(ttl) + ")");
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
	 * The near cache: a per-instance level in front of Redis that an instance serves only
	 * while its membership lease is fresh, and that every writer invalidates on every
	 * live member before it answers (see {@code InvalidationBus}).
	 *
	 * @param enabled whether caches with a {@code local-size} get a local level
	 * @param membershipTtl how long a member's registration lives in Redis after a
	 * renewal; a writer waits at most this long for a member that stopped answering
	 * @param renewEvery how often a member renews its registration
	 * @param safetyMargin how much earlier than {@code membership-ttl} after sending a
	 * renewal a member stops serving its local level: covers clock rate and offset
	 * differences between the member and Redis
	 * @param ackTimeout the longest a write waits for every live member's acknowledgement
	 * before it answers 503; longer than {@code membership-ttl}, so that a member that
	 * stalled has run out of lease first
	 * @param awaitAcknowledgements whether writers wait for the members; {@code false}
	 * sends invalidations fire-and-forget (as other near caches do) and gives up
	 * read-your-writes: for comparison runs only
	 * @param streamRetention how long invalidations stay in the stream; far longer than
	 * {@code membership-ttl}, so a member that kept its lease never misses one
	 * @param durableRenewals whether a renewal counts only once a replica of the
	 * registry's master has it ({@code WAIT 1}), so a master failover cannot lose a
	 * registration that its member still serves under
	 */
	record Near(@DefaultValue("true") boolean enabled, @DefaultValue("1500ms") Duration membershipTtl,
			@DefaultValue("250ms") Duration renewEvery, @DefaultValue("250ms") Duration safetyMargin,
			@DefaultValue("3s") Duration ackTimeout, @DefaultValue("true") boolean awaitAcknowledgements,
			@DefaultValue("60s") Duration streamRetention, @DefaultValue("true") boolean durableRenewals) {

		Near {
			if (renewEvery.plus(safetyMargin).compareTo(membershipTtl) >= 0) {
				throw new IllegalArgumentException("profiles.cache.near.membership-ttl (" + membershipTtl
						+ ") must exceed renew-every plus safety-margin (" + renewEvery.plus(safetyMargin) + ")");
			}
			if (ackTimeout.compareTo(membershipTtl) <= 0) {
				throw new IllegalArgumentException("profiles.cache.near.ack-timeout (" + ackTimeout
						+ ") must exceed the membership ttl (" + membershipTtl + ")");
			}
		}

	}

	/**
	 * Invalidations (and write-through puts) that survive the crash of the master that
	 * took them: each waits until {@code replicas} replicas of that master have it
	 * ({@code WAIT}), at most {@code timeout}, or the write answers 503 and the
	 * invalidation is retried (see {@code ReplicatedWrites}).
	 *
	 * @param enabled whether writes wait for replicas
	 * @param replicas how many replicas of the key's master must have the change (fewer
	 * when the master has fewer attached)
	 * @param timeout the longest a write waits for them
	 */
	record DurableInvalidation(@DefaultValue("true") boolean enabled, @DefaultValue("1") @Min(1) int replicas,
			@DefaultValue("500ms") Duration timeout) {

	}

	/**
	 * Reads of the Redis level from replicas, each value checked against the version this
	 * instance last saw invalidated for its key (see {@code ReplicaReads}). Needs the
	 * local level's invalidation bus ({@code near.enabled}).
	 *
	 * @param enabled whether Redis-level reads try a replica first
	 * @param maxFences how many keys' fences an instance keeps; when more are needed it
	 * reads only masters for one TTL
	 */
	record ReplicaReads(@DefaultValue("false") boolean enabled, @DefaultValue("100000") @Min(1) int maxFences) {

	}

	/**
	 * How one cache stores its entries.
	 *
	 * @param ttl how long an entry lives in Redis before jitter is added
	 * @param format how values are encoded in Redis
	 * @param localSize the most the local level of this cache holds on each instance,
	 * weighed by the entries' encoded size plus a fixed per-entry overhead; 0 means no
	 * local level
	 */
	record CacheSpec(@NotNull Duration ttl, @DefaultValue("protobuf") ValueFormat format,
			@DefaultValue("0") DataSize localSize) {

		CacheSpec {
			// Redis reads a zero TTL as "never expire" and refuses a negative one.
			if (ttl != null && (ttl.isZero() || ttl.isNegative())) {
				throw new IllegalArgumentException("A cache TTL must be positive, not " + ttl);
			}
		}

	}

}
