package dev.userprofiles.web;

import java.time.Duration;

import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Per-client rate limits of the API (the client is the token's subject), one token bucket
 * per client shared by every instance through Redis. Load tests raise {@code capacity}.
 *
 * @param capacity requests a client may send in a burst
 * @param period time in which an empty bucket refills to {@code capacity}: the sustained
 * rate is {@code capacity / period}
 * @param maxUnsyncedRequests requests an instance admits from its local view of a bucket
 * before it syncs with Redis; 0 syncs on every request (exact, one Redis call each). A
 * client may exceed its limit by up to this many requests per instance.
 * @param maxUnsyncedTime an instance syncs its view of a bucket at least this often while
 * the client sends requests
 * @param redisTimeout how long a sync may take before the instance falls back to its own
 * per-instance buckets
 * @param redisRetryInterval how long the instance keeps to its own buckets after Redis
 * failed, before trying it again
 * @param failedAuthentications requests from one client address that may fail
 * authentication (401) in a burst, per instance, before the address is refused (429)
 * without its token being verified ({@link FailedAuthentications})
 * @param failedAuthenticationsPeriod time in which that allowance refills
 */
@ConfigurationProperties("profiles.rate-limit")
@Validated
record RateLimitProperties(@DefaultValue("200") @Positive long capacity, @DefaultValue("2s") Duration period,
		@DefaultValue("20") @PositiveOrZero long maxUnsyncedRequests, @DefaultValue("100ms") Duration maxUnsyncedTime,
		@DefaultValue("200ms") Duration redisTimeout, @DefaultValue("5s") Duration redisRetryInterval,
		@DefaultValue("20") @Positive long failedAuthentications,
		@DefaultValue("10s") Duration failedAuthenticationsPeriod) {

}
