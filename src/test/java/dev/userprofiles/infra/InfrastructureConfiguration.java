package dev.userprofiles.infra;

import java.util.List;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.flyway.autoconfigure.FlywayConnectionDetails;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Points the application at the {@link TestInfrastructure} through Boot's connection
 * details, which take precedence over {@code spring.data.redis.*},
 * {@code spring.datasource.*} and {@code spring.flyway.*}. The accounts and passwords
 * stay properties ({@code spring.data.redis.username},
 * {@code spring.datasource.password}, {@code spring.flyway.user}, ...), which the
 * services of a test JVM read from files ({@link TestSecretsImport}).
 */
@TestConfiguration(proxyBeanMethods = false)
public class InfrastructureConfiguration {

	/** Shared by every context of the JVM: no context closes it (no inferred close()). */
	@Bean(destroyMethod = "")
	TestInfrastructure testInfrastructure() {
		return TestInfrastructure.get();
	}

	@Bean
	DataRedisConnectionDetails redisClusterConnectionDetails(TestInfrastructure infrastructure,
			Environment environment) {
		List<DataRedisConnectionDetails.Node> nodes = infrastructure.redisNodes()
			.stream()
			.map((node) -> new DataRedisConnectionDetails.Node(node.getHostText(), node.getPort()))
			.toList();
		return new DataRedisConnectionDetails() {

			@Override
			public String getUsername() {
				return environment.getRequiredProperty("spring.data.redis.username");
			}

			@Override
			public String getPassword() {
				return environment.getRequiredProperty("spring.data.redis.password");
			}

			@Override
			public Cluster getCluster() {
				return () -> nodes;
			}

		};
	}

	@Bean
	JdbcConnectionDetails postgresConnectionDetails(TestInfrastructure infrastructure, Environment environment) {
		return new JdbcConnectionDetails() {

			@Override
			public String getJdbcUrl() {
				return infrastructure.jdbcUrl();
			}

			@Override
			public String getUsername() {
				return environment.getRequiredProperty("spring.datasource.username");
			}

			@Override
			public String getPassword() {
				return environment.getRequiredProperty("spring.datasource.password");
			}

		};
	}

	/**
	 * Flyway migrates as the schema's owner, the service runs as a role with DML only.
	 */
	@Bean
	FlywayConnectionDetails flywayConnectionDetails(TestInfrastructure infrastructure, Environment environment) {
		return new FlywayConnectionDetails() {

			@Override
			public String getJdbcUrl() {
				return infrastructure.jdbcUrl();
			}

			@Override
			public String getUsername() {
				return environment.getRequiredProperty("spring.flyway.user");
			}

			@Override
			public String getPassword() {
				return environment.getRequiredProperty("spring.flyway.password");
			}

		};
	}

}
