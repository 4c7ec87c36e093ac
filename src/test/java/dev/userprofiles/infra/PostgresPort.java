package dev.userprofiles.infra;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The fixed host port Postgres listens on, chosen once per JVM, so that a restarted
 * server comes back at the address the running connection pools already use; and the
 * waits that tell a stopped server from a running one on that port.
 */
final class PostgresPort {

	private static final String HOST = "127.0.0.1";

	private PostgresPort() {
	}

	/**
	 * A free 127.0.0.1 port below the ephemeral range (32768 and up), so that no outgoing
	 * connection takes it while the server is stopped, and outside the ranges
	 * {@link RedisClusterProcesses#freePortRange} picks Redis nodes (15000 to 22005) and
	 * their bus ports (25000 to 32005) from.
	 */
	static int chooseFree() {
		for (int attempt = 0; attempt < 100; attempt++) {
			int port = ThreadLocalRandom.current().nextInt(22100, 24900);
			try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
				return port;
			}
			catch (IOException ex) {
				// taken, try another
			}
		}
		throw new IllegalStateException("No free port for Postgres between 22100 and 24900 on " + HOST);
	}

	/** Waits until a TCP connection to the port is refused. */
	static void awaitRefused(int port, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress(HOST, port), 500);
			}
			catch (ConnectException ex) {
				return;
			}
			catch (IOException ex) {
				// a timeout: not refused yet
			}
			sleep(100);
		}
		throw new IllegalStateException(
				"Postgres on port " + port + " still accepts connections " + timeout + " after it was stopped");
	}

	/** Waits until Postgres answers {@code SELECT 1} at the URL. */
	static void awaitAccepting(String jdbcUrl, String username, String password, Duration timeout) {
		Properties properties = new Properties();
		properties.setProperty("user", username);
		properties.setProperty("password", password);
		properties.setProperty("connectTimeout", "2");
		properties.setProperty("socketTimeout", "2");
		long deadline = System.nanoTime() + timeout.toNanos();
		SQLException last = null;
		while (System.nanoTime() < deadline) {
			try (Connection connection = DriverManager.getConnection(jdbcUrl, properties);
					Statement statement = connection.createStatement()) {
				statement.execute("SELECT 1");
				return;
			}
			catch (SQLException ex) {
				last = ex;
			}
			sleep(100);
		}
		throw new IllegalStateException("Postgres at " + jdbcUrl + " did not accept connections within " + timeout
				+ ((last != null) ? ": " + last.getMessage() : ""), last);
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for Postgres", ex);
		}
	}

}
