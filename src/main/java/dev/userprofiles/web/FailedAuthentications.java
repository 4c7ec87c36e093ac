package dev.userprofiles.web;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.EstimationProbe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Component;

/**
 * Failed authentications per client address, per instance: an address whose requests
 * failed authentication {@code failed-authentications} times within
 * {@code failed-authentications-period} is refused (429) before its next token is
 * verified, so a flood of forged tokens costs a map lookup each instead of a signature
 * check. The per-client limit ({@link ClientRateLimits}) cannot do this: it needs the
 * token's subject, known only after verification.
 * <p>
 * In memory and per instance: what it protects is this instance's CPU, and it needs no
 * Redis on a path that attackers choose. An address that never failed has no entry; at
 * most 100,000 addresses are tracked. Behind a proxy, the client address is what
 * {@code server.forward-headers-strategy} makes of {@code X-Forwarded-For}.
 */
@Component
class FailedAuthentications {

	private final long capacity;

	private final Duration period;

	private final Cache<String, Bucket> buckets;

	private final Counter refused;

	FailedAuthentications(RateLimitProperties properties, MeterRegistry meters) {
		this.capacity = properties.failedAuthentications();
		this.period = properties.failedAuthenticationsPeriod();
		this.buckets = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(this.period).build();
		// With the per-client limit's rejections: store "per-address" is this limit.
		this.refused = Counter.builder("profiles.rate_limit.rejections")
			.description("Requests refused with 429, by where the bucket was kept")
			.tag("store", "per-address")
			.register(meters);
	}

	/**
	 * Nanoseconds until {@code address} may try again, or {@code null} when it may now.
	 */
	@Nullable Long refusal(String address) {
		Bucket bucket = this.buckets.getIfPresent(address);
		if (bucket == null) {
			return null;
		}
		EstimationProbe probe = bucket.estimateAbilityToConsume(1);
		if (probe.canBeConsumed()) {
			return null;
		}
		this.refused.increment();
		return probe.getNanosToWaitForRefill();
	}

	void recordFailure(String address) {
		this.buckets
			.get(address,
					(key) -> Bucket.builder()
						.addLimit((limit) -> limit.capacity(this.capacity).refillGreedy(this.capacity, this.period))
						.build())
			.tryConsume(1);
	}

}
