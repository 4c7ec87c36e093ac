package dev.userprofiles.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.springframework.util.FileSystemUtils;

/**
 * A certificate authority made for one test, and a server certificate it signed for
 * {@code localhost} and {@code 127.0.0.1}, as PEM files written by {@code openssl}: what
 * TLS-enabled Redis and Postgres present and what the service's SSL bundles trust.
 */
public final class TestCertificates implements AutoCloseable {

	private final Path directory;

	private TestCertificates(Path directory) {
		this.directory = directory;
	}

	/** Makes a new CA and a server certificate signed by it (EC P-256, valid one day). */
	public static TestCertificates create() {
		Path directory;
		try {
			directory = Files.createTempDirectory("test-tls-");
			Files.writeString(directory.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot create a directory for test certificates", ex);
		}
		TestCertificates certificates = new TestCertificates(directory);
		openssl(directory, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
				"ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=user-profiles test CA");
		openssl(directory, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
				"server.key", "-out", "server.csr", "-subj", "/CN=localhost");
		openssl(directory, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
				"-out", "server.crt", "-days", "1", "-extfile", "server.ext");
		return certificates;
	}

	/** The CA certificate: what a client trusts. */
	public Path caCertificate() {
		return this.directory.resolve("ca.crt");
	}

	public Path serverCertificate() {
		return this.directory.resolve("server.crt");
	}

	public Path serverKey() {
		return this.directory.resolve("server.key");
	}

	@Override
	public void close() {
		FileSystemUtils.deleteRecursively(this.directory.toFile());
	}

	private static void openssl(Path directory, String... arguments) {
		List<String> command = new ArrayList<>(List.of("openssl"));
		command.addAll(List.of(arguments));
		Path log = directory.resolve("openssl.log");
		try {
			Process process = new ProcessBuilder(command).directory(directory.toFile())
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException(
						"openssl failed: " + String.join(" ", command) + "\n" + Files.readString(log));
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("The TLS tests need 'openssl' on PATH (Debian: openssl)", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while running openssl", ex);
		}
	}

}
