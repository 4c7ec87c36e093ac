package dev.userprofiles.web;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import dev.userprofiles.infra.WithoutInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The verified-token cache: a good token is verified once, a bad one every time, and a
 * remembered token is verified again once it has expired.
 */
@WithoutInfrastructure
class VerifiedTokensTests {

	private final AtomicInteger verifications = new AtomicInteger();

	@Test
	void aGoodTokenIsVerifiedOnce() {
		JwtDecoder decoder = caching((token) -> jwt(token, Instant.now().plusSeconds(60)));

		Jwt first = decoder.decode("good");
		Jwt second = decoder.decode("good");

		assertThat(second).isSameAs(first);
		assertThat(this.verifications).hasValue(1);
	}

	@Test
	void aBadTokenIsVerifiedEveryTime() {
		JwtDecoder decoder = caching((token) -> {
			throw new BadJwtException("bad signature");
		});

		for (int i = 0; i < 3; i++) {
			assertThatExceptionOfType(BadJwtException.class).isThrownBy(() -> decoder.decode("bad"));
		}
		assertThat(this.verifications).hasValue(3);
	}

	@Test
	void aRememberedTokenIsVerifiedAgainOnceExpired() throws InterruptedException {
		Instant expiry = Instant.now().plusMillis(300);
		JwtDecoder decoder = caching((token) -> {
			if (Instant.now().isAfter(expiry)) {
				throw new BadJwtException("expired");
			}
			return jwt(token, expiry);
		});
		decoder.decode("short-lived");

		Thread.sleep(400);

		assertThatExceptionOfType(BadJwtException.class).isThrownBy(() -> decoder.decode("short-lived"));
		assertThat(this.verifications).hasValue(2);
	}

	private JwtDecoder caching(JwtDecoder verifier) {
		JwtDecoder counting = (token) -> {
			this.verifications.incrementAndGet();
			return verifier.decode(token);
		};
		return (JwtDecoder) new VerifiedTokens().postProcessAfterInitialization(counting, "jwtDecoder");
	}

	private static Jwt jwt(String token, Instant expiresAt) {
		return Jwt.withTokenValue(token)
			.header("alg", "RS256")
			.subject("someone")
			.issuedAt(Instant.now())
			.expiresAt(expiresAt)
			.build();
	}

}
