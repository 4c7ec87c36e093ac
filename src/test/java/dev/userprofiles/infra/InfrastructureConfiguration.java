package dev.userprofiles.infra;

import java.util.List;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Points the application at the {@link TestInfrastructure} through Boot's connection
 * details, which take precedence over {@code spring.data.redis.*} and
 * {@code spring.datasource.*} (Flyway included).
 */
@TestConfiguration(proxyBeanMethods = false)
public class InfrastructureConfiguration {

	/** Shared by every context of the JVM: no context closes it (no inferred close()). */
	@Bean(destroyMethod = "")
	TestInfrastructure testInfrastructure() {
		return TestInfrastructure.get();
	}

	@Bean
	DataRedisConnectionDetails redisClusterConnectionDetails(TestInfrastructure infrastructure) {
		List<DataRedisConnectionDetails.Node> nodes = infrastructure.redisNodes()
			.stream()
			.map((node) -> new DataRedisConnectionDetails.Node(node.getHostText(), node.getPort()))
			.toList();
		return new DataRedisConnectionDetails() {

			@Override
			public Cluster getCluster() {
				return () -> nodes;
			}

		};
	}

	@Bean
	JdbcConnectionDetails postgresConnectionDetails(TestInfrastructure infrastructure) {
		return new JdbcConnectionDetails() {

			@Override
			public String getJdbcUrl() {
				return infrastructure.jdbcUrl();
			}

			@Override
			public String getUsername() {
				return infrastructure.username();
			}

			@Override
			public String getPassword() {
				return infrastructure.password();
			}

		};
	}

}
