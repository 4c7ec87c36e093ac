package dev.userprofiles.database;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLSocketFactory;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/**
 * TLS to Postgres with the trust material of a Spring Boot SSL bundle. Written here
 * because Boot offers SSL bundles for Redis, web servers and clients but not for JDBC
 * (spring-boot#34817), and PgJDBC takes TLS settings only as files or as the class name
 * of an {@link SSLSocketFactory}, which it instantiates itself. So this factory finds its
 * bundle by name in the bundles the application registered
 * ({@link DatabaseSslConfiguration}): <pre>
 * spring.datasource.url=jdbc:postgresql://db:5432/profiles?sslmode=verify-full\
 *   &amp;sslfactory=dev.userprofiles.database.SslBundleSocketFactory&amp;sslbundle=postgres
 * spring.ssl.bundle.pem.postgres.truststore.certificate=file:/etc/postgres-ca/ca.crt
 * </pre> With {@code sslmode=verify-full} PgJDBC still checks that the certificate names
 * the host; the bundle decides which certificate authorities are trusted (and, with a
 * keystore, the client certificate).
 */
public final class SslBundleSocketFactory extends SSLSocketFactory {

	/** The connection property naming the bundle. */
	public static final String BUNDLE_PROPERTY = "sslbundle";

	/** Where each bundle name is registered; asked per connection, so reloads count. */
	private static final Map<String, SslBundles> bundles = new ConcurrentHashMap<>();

	private final SSLSocketFactory delegate;

	/**
	 * Called by PgJDBC with the connection's properties (the URL's parameters included).
	 */
	public SslBundleSocketFactory(Properties connectionProperties) {
		String name = connectionProperties.getProperty(BUNDLE_PROPERTY);
		if (name == null) {
			throw new IllegalArgumentException("sslfactory=" + SslBundleSocketFactory.class.getName()
					+ " needs the connection property " + BUNDLE_PROPERTY + "=<name of a spring.ssl.bundle>");
		}
		SslBundles registry = bundles.get(name);
		if (registry == null) {
			throw new IllegalStateException("No SSL bundle '" + name + "' is registered for Postgres connections: "
					+ "configure spring.ssl.bundle.(pem|jks)." + name + ".*");
		}
		SslBundle bundle = registry.getBundle(name);
		this.delegate = bundle.createSslContext().getSocketFactory();
	}

	/** Makes every bundle of {@code sslBundles} available to new connections. */
	static void register(SslBundles sslBundles) {
		for (String name : sslBundles.getBundleNames()) {
			bundles.put(name, sslBundles);
		}
	}

	@Override
	public String[] getDefaultCipherSuites() {
		return this.delegate.getDefaultCipherSuites();
	}

	@Override
	public String[] getSupportedCipherSuites() {
		return this.delegate.getSupportedCipherSuites();
	}

	@Override
	public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
		return this.delegate.createSocket(socket, host, port, autoClose);
	}

	@Override
	public Socket createSocket(String host, int port) throws IOException {
		return this.delegate.createSocket(host, port);
	}

	@Override
	public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
		return this.delegate.createSocket(host, port, localHost, localPort);
	}

	@Override
	public Socket createSocket(InetAddress host, int port) throws IOException {
		return this.delegate.createSocket(host, port);
	}

	@Override
	public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
			throws IOException {
		return this.delegate.createSocket(address, port, localAddress, localPort);
	}

}
