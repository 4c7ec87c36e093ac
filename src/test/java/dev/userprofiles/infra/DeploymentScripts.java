package dev.userprofiles.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The deployment's own scripts, which the test infrastructure runs as the deployments do:
 * every Redis node starts through {@code k8s/base/redis-node.sh} (users and passwords of
 * {@code redis-users.acl}), every Postgres gets its roles from
 * {@code k8s/overlays/dev/postgres-roles.sh}. Paths are relative to the project
 * directory, where Maven runs the tests.
 */
final class DeploymentScripts {

	static final Path REDIS_NODE = Path.of("k8s", "base", "redis-node.sh");

	static final Path REDIS_USERS = Path.of("k8s", "base", "redis-users.acl");

	static final Path POSTGRES_ROLES = Path.of("k8s", "overlays", "dev", "postgres-roles.sh");

	private DeploymentScripts() {
	}

	static Path require(Path script) {
		if (!Files.isRegularFile(script)) {
			throw new IllegalStateException("The test infrastructure runs " + script + " and cannot find it under "
					+ Path.of("").toAbsolutePath() + ": run the tests from the project directory");
		}
		return script.toAbsolutePath();
	}

	/**
	 * Creates the service's roles in a Postgres on this host, as a superuser, with the
	 * {@code psql} on PATH.
	 */
	static void createDatabaseRoles(int port, String superuser, String superuserPassword, String database, Path log) {
		ProcessBuilder builder = new ProcessBuilder("bash", require(POSTGRES_ROLES).toString())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		Map<String, String> environment = builder.environment();
		environment.putAll(TestCredentials.get().databaseRolesEnvironment());
		environment.putAll(Map.of("PGHOST", "127.0.0.1", "PGPORT", String.valueOf(port), "PGUSER", superuser,
				"PGPASSWORD", superuserPassword, "POSTGRES_DB", database));
		try {
			Process process = builder.start();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException(POSTGRES_ROLES + " did not finish within 30 s");
			}
			if (process.exitValue() != 0) {
				throw new IllegalStateException(POSTGRES_ROLES + " failed (exit " + process.exitValue()
						+ "; it needs psql on PATH, Debian: postgresql-client): " + Files.readString(log));
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run " + POSTGRES_ROLES + " with bash", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while creating the database roles", ex);
		}
	}

	/**
	 * {@code redis-cli} arguments that authenticate as the admin (password:
	 * REDISCLI_AUTH).
	 */
	static List<String> redisCliAdmin() {
		return List.of("redis-cli", "--user", TestCredentials.REDIS_ADMIN, "--no-auth-warning");
	}

}
