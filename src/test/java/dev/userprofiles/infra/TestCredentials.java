package dev.userprofiles.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;

import org.springframework.util.FileSystemUtils;

/**
 * The accounts of this JVM's Redis Cluster and Postgres, with passwords made for the JVM,
 * and the directory from which every service started here reads its passwords: one file
 * per property, imported with Boot's {@code spring.config.import=configtree:} as a
 * Kubernetes Secret mounted as a volume would be.
 * <p>
 * Redis: the service's user {@value #REDIS_USER} and the {@value #REDIS_ADMIN} the tests
 * use to set up and observe the cluster (users of {@code k8s/base/redis-users.acl}).
 * Postgres: the runtime role {@value #DATABASE_USER} (rows only) and the migration role
 * {@value #MIGRATION_USER} (of {@code k8s/overlays/dev/postgres-roles.sh}).
 */
public final class TestCredentials {

	public static final String REDIS_USER = "profiles";

	public static final String REDIS_ADMIN = "admin";

	public static final String DATABASE_USER = "profiles_app";

	public static final String MIGRATION_USER = "profiles_migrator";

	/** Reads the profile table's changes over logical replication. */
	public static final String CHANGE_CAPTURE_USER = "profiles_cdc";

	private static final TestCredentials instance = new TestCredentials();

	private final String redisPassword = randomPassword();

	private final String redisReplicationPassword = randomPassword();

	private final String redisAdminPassword = randomPassword();

	private final String databasePassword = randomPassword();

	private final String migrationPassword = randomPassword();

	private final String changeCapturePassword = randomPassword();

	private final Path secretsDirectory;

	private TestCredentials() {
		this.secretsDirectory = writeSecrets(Map.of("spring.data.redis.password", this.redisPassword,
				"spring.datasource.password", this.databasePassword, "spring.flyway.password", this.migrationPassword,
				"profiles.cdc.password", this.changeCapturePassword));
	}

	public static TestCredentials get() {
		return instance;
	}

	/**
	 * {@code key=value} importing the password files, for a service started in a process
	 * of its own; services started in this JVM import them already
	 * ({@link TestSecretsImport}).
	 */
	public String configImport() {
		return "spring.config.import=configtree:" + this.secretsDirectory + "/";
	}

	public String redisPassword() {
		return this.redisPassword;
	}

	public String redisAdminPassword() {
		return this.redisAdminPassword;
	}

	public String databasePassword() {
		return this.databasePassword;
	}

	public String migrationPassword() {
		return this.migrationPassword;
	}

	public String changeCapturePassword() {
		return this.changeCapturePassword;
	}

	/**
	 * The environment of {@code k8s/base/redis-node.sh}, which renders the ACL file from
	 * it.
	 */
	public Map<String, String> redisNodeEnvironment() {
		return Map.of("REDIS_PROFILES_PASSWORD", this.redisPassword, "REDIS_REPLICATION_PASSWORD",
				this.redisReplicationPassword, "REDIS_ADMIN_PASSWORD", this.redisAdminPassword);
	}

	/**
	 * The environment of {@code k8s/overlays/dev/postgres-roles.sh}, which creates the
	 * two roles.
	 */
	public Map<String, String> databaseRolesEnvironment() {
		return Map.of("PROFILES_APP_PASSWORD", this.databasePassword, "PROFILES_MIGRATOR_PASSWORD",
				this.migrationPassword, "PROFILES_CDC_PASSWORD", this.changeCapturePassword);
	}

	/** Letters and digits only: the scripts accept nothing else. */
	private static String randomPassword() {
		String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
		SecureRandom random = new SecureRandom();
		StringBuilder password = new StringBuilder();
		for (int i = 0; i < 24; i++) {
			password.append(alphabet.charAt(random.nextInt(alphabet.length())));
		}
		return password.toString();
	}

	private static Path writeSecrets(Map<String, String> files) {
		try {
			Path directory = Files.createTempDirectory("test-secrets-");
			Runtime.getRuntime()
				.addShutdownHook(new Thread(() -> FileSystemUtils.deleteRecursively(directory.toFile())));
			for (Map.Entry<String, String> file : files.entrySet()) {
				Files.writeString(directory.resolve(file.getKey()), file.getValue());
			}
			return directory;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot write the test password files", ex);
		}
	}

}
