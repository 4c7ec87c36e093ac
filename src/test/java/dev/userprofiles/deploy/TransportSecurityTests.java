package dev.userprofiles.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.userprofiles.database.SslBundleSocketFactory;
import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.RedisKeys;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestCertificates;
import dev.userprofiles.infra.TestCredentials;
import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.infra.TestInfrastructure.TlsServers;
import io.lettuce.core.internal.HostAndPort;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * TLS to Redis and Postgres, configured only through Boot's SSL bundles and standard
 * properties, against servers that accept nothing else and present a certificate signed
 * by a CA made for this test: the service caches and stores through both, verifying the
 * servers' certificates and host names ({@code sslmode=verify-full}); a service that
 * trusts another CA gets no connection, and plain-text clients are turned away.
 */
class TransportSecurityTests {

	private static TestCertificates certificates;

	private static TlsServers servers;

	@BeforeAll
	static void startTlsServers() {
		certificates = TestCertificates.create();
		servers = TestInfrastructure.get().startTlsServers(certificates);
	}

	@AfterAll
	static void stopTlsServers() {
		if (servers != null) {
			servers.close();
		}
		if (certificates != null) {
			certificates.close();
		}
	}

	@Test
	void theServiceCachesAndStoresOverVerifiedTls() {
		try (ServiceInstance service = ServiceInstance.startFromProperties(tlsProperties(certificates))) {
			ApiClient http = new ApiClient();
			ApiClient.Response created = http.post(service.url("/users"),
					ApiClient.profileJson("tls" + System.nanoTime() % 100000, "Stored and cached over TLS"));
			assertThat(created.status()).as(created.body()).isEqualTo(201);
			assertThat(http.get(service.url("/users/" + created.id())).status()).isEqualTo(200);
			assertThat(new RedisKeys(service.bean(RedisConnectionFactory.class))
				.exists(RedisKeys.cacheKey("users", created.id()))).as("cached in the TLS cluster").isTrue();
			JdbcClient jdbc = JdbcClient.create(service.bean(DataSource.class));
			assertThat(
					jdbc.sql("select ssl from pg_stat_ssl where pid = pg_backend_pid()").query(Boolean.class).single())
				.as("the service's database connection is encrypted")
				.isTrue();
			assertThat(jdbc.sql("select current_user").query(String.class).single())
				.isEqualTo(TestCredentials.DATABASE_USER);
		}
	}

	@Test
	void aServiceThatTrustsAnotherAuthorityGetsNoConnection() {
		try (TestCertificates other = TestCertificates.create()) {
			assertThatException().isThrownBy(() -> ServiceInstance.startFromProperties(tlsProperties(other)).close())
				.satisfies((ex) -> assertThat(ex).hasStackTraceContaining("PKIX path"));
		}
	}

	@Test
	void plainTextClientsAreTurnedAway() throws IOException {
		assertThatExceptionOfType(SQLException.class)
			.isThrownBy(
					() -> DriverManager
						.getConnection(servers.jdbcUrl() + "?sslmode=disable", TestCredentials.DATABASE_USER,
								TestCredentials.get().databasePassword())
						.close())
			.satisfies((ex) -> assertThat(ex.getMessage()).contains("no encryption"));
		HostAndPort node = servers.redisNodes().get(0);
		try (Socket socket = new Socket(node.getHostText(), node.getPort())) {
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] reply = new byte[16];
			int read;
			try {
				read = in.read(reply);
			}
			catch (IOException ex) {
				read = -1;
			}
			assertThat(read).as("bytes a TLS-only node answers to a plain-text PING").isLessThanOrEqualTo(0);
		}
	}

	/**
	 * Standard properties only: the nodes, SSL bundles trusting {@code trusted}'s CA for
	 * Redis and Postgres, and a JDBC URL that verifies the server's certificate and name.
	 */
	private static String[] tlsProperties(TestCertificates trusted) {
		String ca = "file:" + trusted.caCertificate();
		return List
			.of("spring.data.redis.cluster.nodes="
					+ servers.redisNodes().stream().map(HostAndPort::toString).collect(Collectors.joining(",")),
					"spring.data.redis.ssl.bundle=redis", "spring.ssl.bundle.pem.redis.truststore.certificate=" + ca,
					"spring.ssl.bundle.pem.postgres.truststore.certificate=" + ca,
					"spring.datasource.url=" + servers.jdbcUrl() + "?sslmode=verify-full&sslfactory="
							+ SslBundleSocketFactory.class.getName() + "&" + SslBundleSocketFactory.BUNDLE_PROPERTY
							+ "=postgres")
			.toArray(String[]::new);
	}

}
