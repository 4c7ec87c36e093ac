package dev.userprofiles.web;

import java.time.Duration;
import java.time.Instant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.stereotype.Component;

/**
 * Remembers tokens that verified, until they expire (at most {@link #MAX_AGE}), so a
 * client that sends the same token on every request pays for the signature check and the
 * claim conversion once, not per request. Only tokens that passed Boot's decoder (issuer,
 * signature, validators) are kept, and only until their {@code exp}: an expired token is
 * verified again and refused. Tokens are verified offline anyway, so no revocation is
 * missed that the decoder would have seen. Written here because Spring Security decodes
 * every request and offers no such cache; wrapping Boot's decoder keeps its configuration
 * by properties.
 */
@Component
class VerifiedTokens implements BeanPostProcessor {

	/** Longest a verified token is trusted without verifying it again. */
	static final Duration MAX_AGE = Duration.ofMinutes(5);

	/** Distinct tokens remembered; about 2 KB each. */
	static final long MAX_TOKENS = 10_000;

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		return (bean instanceof JwtDecoder decoder && !(bean instanceof CachingDecoder)) ? new CachingDecoder(decoder)
				: bean;
	}

	static final class CachingDecoder implements JwtDecoder {

		private final JwtDecoder delegate;

		private final Cache<String, Jwt> verified = Caffeine.newBuilder()
			.maximumSize(MAX_TOKENS)
			.expireAfter(Expiry.creating((String token, Jwt jwt) -> lifetime(jwt)))
			.build();

		CachingDecoder(JwtDecoder delegate) {
			this.delegate = delegate;
		}

		@Override
		public Jwt decode(String token) {
			Jwt jwt = this.verified.getIfPresent(token);
			if (jwt != null && (jwt.getExpiresAt() == null || Instant.now().isBefore(jwt.getExpiresAt()))) {
				return jwt;
			}
			// Throws for a bad token, which is never remembered.
			jwt = this.delegate.decode(token);
			this.verified.put(token, jwt);
			return jwt;
		}

		private static Duration lifetime(Jwt jwt) {
			if (jwt.getExpiresAt() == null) {
				return MAX_AGE;
			}
			Duration left = Duration.between(Instant.now(), jwt.getExpiresAt());
			return left.isNegative() ? Duration.ZERO : (left.compareTo(MAX_AGE) < 0 ? left : MAX_AGE);
		}

	}

}
