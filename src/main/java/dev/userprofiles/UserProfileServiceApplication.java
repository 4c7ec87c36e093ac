package dev.userprofiles;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Serves user profiles over REST, cache-aside on a Redis Cluster with Postgres as the
 * source of truth.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class UserProfileServiceApplication {

	public static void main(String[] args) {
		SpringApplication.run(UserProfileServiceApplication.class, args);
	}

}
