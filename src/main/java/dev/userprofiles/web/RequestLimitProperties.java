package dev.userprofiles.web;

import java.time.Duration;

import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Limits on what a request to the HTTP API may carry.
 *
 * @param maxRequestBody largest request body accepted; larger ones get 413
 * @param maxConcurrentRequests API requests one instance serves at once; more get 503 at
 * once. Below Tomcat's 200 request threads, so probes always find one.
 * @param warningLogInterval at most one warning of each kind (database unavailable, write
 * not acknowledged) per interval; the others are counted in the next one
 */
@ConfigurationProperties("profiles.web")
@Validated
record RequestLimitProperties(@DefaultValue("16KB") DataSize maxRequestBody,
		@DefaultValue("150") @Positive int maxConcurrentRequests, @DefaultValue("10s") Duration warningLogInterval) {

}
