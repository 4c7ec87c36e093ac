package dev.userprofiles.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;

/**
 * An RS256 issuer for tests and the local run: a key pair made for this JVM, its public
 * key as a PEM file for Boot's
 * {@code spring.security.oauth2.resourceserver.jwt.public-key-location}, and tokens
 * signed with it.
 */
public final class TestTokens {

	public static final String PUBLIC_KEY_PROPERTY = "spring.security.oauth2.resourceserver.jwt.public-key-location";

	/** The subject of {@link #admin()}; no profile has it as username. */
	public static final String ADMIN_SUBJECT = "test-admin";

	private static final TestTokens instance = new TestTokens(generateKeyPair());

	private static String adminToken;

	private final KeyPair keyPair;

	private final JwtEncoder encoder;

	private final Path publicKeyFile;

	TestTokens(KeyPair keyPair) {
		this.keyPair = keyPair;
		this.encoder = NimbusJwtEncoder
			.withKeyPair((RSAPublicKey) keyPair.getPublic(), (RSAPrivateKey) keyPair.getPrivate())
			.build();
		this.publicKeyFile = writePublicKey(keyPair);
	}

	/** The issuer every test instance of this JVM trusts. */
	public static TestTokens get() {
		return instance;
	}

	/** Another issuer: tokens it signs are forgeries to the service. */
	public static TestTokens untrusted() {
		return new TestTokens(generateKeyPair());
	}

	/** A token with every scope, for tests that are not about authorization. */
	public static synchronized String admin() {
		if (adminToken == null) {
			adminToken = instance.token(ADMIN_SUBJECT, Duration.ofHours(12), "profiles:read", "profiles:write",
					"profiles:admin");
		}
		return adminToken;
	}

	/** {@code key=value} pointing the service at this JVM's public key. */
	public static String publicKeyProperty() {
		return PUBLIC_KEY_PROPERTY + "=" + instance.publicKeyLocation();
	}

	public String publicKeyLocation() {
		return this.publicKeyFile.toUri().toString();
	}

	/**
	 * Signs a token.
	 * @param subject the {@code sub} claim, matched against usernames
	 * @param lifetime from now; negative for a token that has already expired
	 * @param scopes the {@code scope} claim's entries
	 */
	public String token(String subject, Duration lifetime, String... scopes) {
		Instant now = Instant.now();
		Instant expiry = now.plus(lifetime);
		JwtClaimsSet claims = JwtClaimsSet.builder()
			.subject(subject)
			.issuedAt(lifetime.isNegative() ? expiry.minus(Duration.ofMinutes(5)) : now)
			.expiresAt(expiry)
			.claim("scope", String.join(" ", scopes))
			.build();
		JwsHeader header = JwsHeader.with(SignatureAlgorithm.RS256).build();
		return this.encoder.encode(JwtEncoderParameters.from(header, claims)).getTokenValue();
	}

	private static Path writePublicKey(KeyPair keyPair) {
		try {
			Path file = Files.createTempFile("test-jwt-", ".pem");
			file.toFile().deleteOnExit();
			Files.writeString(file, pem(keyPair));
			return file;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String pem(KeyPair keyPair) {
		return "-----BEGIN PUBLIC KEY-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keyPair.getPublic().getEncoded())
				+ "\n-----END PUBLIC KEY-----\n";
	}

	private static KeyPair generateKeyPair() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			return generator.generateKeyPair();
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
