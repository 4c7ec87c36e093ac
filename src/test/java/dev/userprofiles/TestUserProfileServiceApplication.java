package dev.userprofiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.userprofiles.demo.DemoProfiles;
import dev.userprofiles.infra.InfrastructureConfiguration;
import dev.userprofiles.infra.TestTokens;

import org.springframework.boot.SpringApplication;

/**
 * Runs the service locally ({@code ./mvnw spring-boot:test-run}) against a Redis Cluster
 * and Postgres that the test infrastructure starts, with the {@code demo} profile on, so
 * that 10,000 demo profiles are seeded. It trusts a key pair made for this run
 * ({@code TestServiceDefaults}) and writes an admin token signed with it to
 * {@code target/dev-token}.
 */
public class TestUserProfileServiceApplication {

	/** Where the admin token goes; the README's curl line reads it. */
	static final Path DEV_TOKEN = Path.of("target", "dev-token");

	public static void main(String[] args) throws IOException {
		String token = TestTokens.get()
			.token("dev-admin", Duration.ofDays(1), "profiles:read", "profiles:write", "profiles:admin");
		Files.createDirectories(DEV_TOKEN.getParent());
		Files.writeString(DEV_TOKEN, token);
		SpringApplication.from(UserProfileServiceApplication::main)
			.with(InfrastructureConfiguration.class)
			.withAdditionalProfiles(DemoProfiles.PROFILE)
			.run(args);
		System.out.println("""

				An admin token (valid for a day) is in %s. Try:
				  curl -H "Authorization: Bearer $(cat %s)" localhost:8080/users/1
				""".formatted(DEV_TOKEN, DEV_TOKEN));
	}

}
