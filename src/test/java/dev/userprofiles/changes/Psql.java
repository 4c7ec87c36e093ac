package dev.userprofiles.changes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import dev.userprofiles.infra.TestInfrastructure;

/**
 * A {@code psql} session as an operator or a batch job would open one, behind the
 * service's back: one statement at a time, each committed on its own (autocommit), its
 * single result line read back.
 */
final class Psql implements AutoCloseable {

	private final Process process;

	private final Writer input;

	private final BufferedReader output;

	Psql(TestInfrastructure infrastructure) throws IOException {
		URI database = URI.create(infrastructure.jdbcUrl().substring("jdbc:".length()));
		ProcessBuilder builder = new ProcessBuilder("psql", "--no-psqlrc", "--quiet", "--no-align", "--tuples-only",
				"--set", "ON_ERROR_STOP=1", "--host", database.getHost(), "--port",
				Integer.toString(database.getPort()), "--username", infrastructure.superuser(), "--dbname",
				database.getPath().substring(1));
		builder.environment().put("PGPASSWORD", infrastructure.superuserPassword());
		builder.redirectErrorStream(true);
		try {
			this.process = builder.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("psql is not on the PATH (Debian: postgresql-client)", ex);
		}
		this.input = new OutputStreamWriter(this.process.getOutputStream(), StandardCharsets.UTF_8);
		this.output = new BufferedReader(new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8));
	}

	/** Runs one statement that returns one value, and returns it once committed. */
	String single(String statement) throws IOException {
		this.input.write(statement + "\n");
		this.input.flush();
		String line;
		do {
			line = this.output.readLine();
			if (line == null) {
				throw new IllegalStateException("psql ended on: " + statement);
			}
		}
		while (line.isBlank());
		return line.trim();
	}

	@Override
	public void close() throws Exception {
		this.input.write("\\q\n");
		this.input.flush();
		if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
			this.process.destroyForcibly();
		}
	}

}
