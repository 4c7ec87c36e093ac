package dev.userprofiles.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.userprofiles.bench.Benchmark;
import dev.userprofiles.bench.ServiceProcess;
import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.TestCredentials;
import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.infra.TestTokens;
import io.lettuce.core.internal.HostAndPort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes way of migrating (the {@code migrate} init container of
 * {@code k8s/base/app-deployment.yaml}), with the packaged jar on an empty database: the
 * jar started with {@code -Dspring.context.exit=onRefresh} and the migration role runs
 * Flyway and exits 0; then the service, with Flyway off and only the runtime role, serves
 * writes and reads.
 */
class MigrationInitContainerIT {

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private final JdbcClient superuser = JdbcClient.create(new DriverManagerDataSource(this.infrastructure.jdbcUrl(),
			this.infrastructure.superuser(), this.infrastructure.superuserPassword()));

	private final String database = "init_" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);

	private final Path logs = Path.of("target", "migration-init-container");

	@BeforeEach
	void createEmptyDatabase() {
		this.superuser.sql("create database " + this.database).update();
		JdbcClient inDatabase = inDatabase();
		// What postgres-roles.sh does for the service's database.
		inDatabase.sql("revoke create on schema public from public").update();
		inDatabase.sql("grant usage, create on schema public to " + TestCredentials.MIGRATION_USER).update();
		inDatabase.sql("grant usage on schema public to " + TestCredentials.DATABASE_USER).update();
		inDatabase.sql("grant create on database " + this.database + " to " + TestCredentials.MIGRATION_USER).update();
	}

	@AfterEach
	void dropDatabase() {
		this.superuser.sql("drop database if exists " + this.database + " with (force)").update();
	}

	@Test
	void theInitContainerMigratesAsTheOwnerAndTheServiceRunsWithRowAccessOnly() throws Exception {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		List<String> command = new ArrayList<>(List.of(java.toString(), "-Dspring.context.exit=onRefresh", "-jar",
				Benchmark.packagedJar().toString(), "--spring.main.banner-mode=off", "--server.port=0",
				"--management.server.port=0", "--" + TestTokens.publicKeyProperty(),
				"--spring.flyway.user=" + TestCredentials.MIGRATION_USER));
		serviceProperties().forEach((property) -> command.add("--" + property));
		Files.createDirectories(this.logs);
		Path log = this.logs.resolve("migrate.log");
		Process migrate = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		if (!migrate.waitFor(120, TimeUnit.SECONDS)) {
			migrate.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
		assertThat(migrate.exitValue()).as("exit code of the migrate run; its log: %s", Files.readString(log)).isZero();
		assertThat(inDatabase().sql("select tableowner from pg_tables where tablename = 'user_profiles'")
			.query(String.class)
			.single()).isEqualTo(TestCredentials.MIGRATION_USER);
		assertThat(
				inDatabase().sql("select count(*) from flyway_schema_history where success and installed_by = :owner")
					.param("owner", TestCredentials.MIGRATION_USER)
					.query(Long.class)
					.single())
			.as("migrations applied by the owner")
			.isGreaterThanOrEqualTo(2);

		List<String> serve = new ArrayList<>(serviceProperties());
		serve.add("spring.flyway.enabled=false");
		try (ServiceProcess service = ServiceProcess.start("service", java, Benchmark.packagedJar(), List.of(), null,
				serve, this.logs)) {
			String base = "http://127.0.0.1:" + service.port() + "/users";
			ApiClient.Response created = new ApiClient().post(base,
					ApiClient.profileJson("initcontainer", "Migrated first"));
			assertThat(created.status()).as(created.body()).isEqualTo(201);
			assertThat(new ApiClient().get(base + "/" + created.id()).status()).isEqualTo(200);
		}
		assertThat(inDatabase().sql("select count(*) from user_profiles").query(Long.class).single()).isOne();
	}

	/** The runtime role, its password from a file; Redis as the service's user. */
	private List<String> serviceProperties() {
		return List.of("spring.datasource.url=" + jdbcUrl(),
				"spring.datasource.username=" + TestCredentials.DATABASE_USER,
				"spring.data.redis.username=" + TestCredentials.REDIS_USER, TestCredentials.get().configImport(),
				// A database of its own: the deployment's slot lives in the main one.
				"profiles.cdc.enabled=false",
				"spring.data.redis.cluster.nodes=" + this.infrastructure.redisNodes()
					.stream()
					.map(HostAndPort::toString)
					.collect(Collectors.joining(",")));
	}

	private JdbcClient inDatabase() {
		return JdbcClient.create(new DriverManagerDataSource(jdbcUrl(), this.infrastructure.superuser(),
				this.infrastructure.superuserPassword()));
	}

	private String jdbcUrl() {
		String url = this.infrastructure.jdbcUrl();
		int query = url.indexOf('?');
		String base = (query < 0) ? url : url.substring(0, query);
		return base.substring(0, base.lastIndexOf('/') + 1) + this.database + ((query < 0) ? "" : url.substring(query));
	}

}
