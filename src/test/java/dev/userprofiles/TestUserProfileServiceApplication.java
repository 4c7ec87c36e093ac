package dev.userprofiles;

import dev.userprofiles.demo.DemoProfiles;
import dev.userprofiles.infra.InfrastructureConfiguration;

import org.springframework.boot.SpringApplication;

/**
 * Runs the service locally ({@code ./mvnw spring-boot:test-run}) against a Redis Cluster
 * and Postgres that the test infrastructure starts, with the {@code demo} profile on, so
 * that 10,000 demo profiles are seeded.
 */
public class TestUserProfileServiceApplication {

	public static void main(String[] args) {
		SpringApplication.from(UserProfileServiceApplication::main)
			.with(InfrastructureConfiguration.class)
			.withAdditionalProfiles(DemoProfiles.PROFILE)
			.run(args);
	}

}
