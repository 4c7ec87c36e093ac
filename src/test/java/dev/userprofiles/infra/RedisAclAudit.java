package dev.userprofiles.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.internal.HostAndPort;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class during which Redis refused the service's user a command or a key:
 * the service treats a refused command like any Redis failure (a cache miss), so without
 * this a missing entry in {@code k8s/base/redis-users.acl} would pass unnoticed. Reads
 * and then clears every node's {@code ACL LOG} after each class that ran while the
 * infrastructure was up; nodes that are down are skipped.
 * <p>
 * Registered for every test class (JUnit's extension auto-detection,
 * {@code junit-platform.properties}); tests that provoke refusals on purpose clear the
 * log themselves.
 */
public class RedisAclAudit implements AfterAllCallback {

	@Override
	public void afterAll(ExtensionContext context) {
		TestInfrastructure infrastructure = Infrastructure.ifStarted();
		if (infrastructure == null) {
			return;
		}
		List<String> refusals = new ArrayList<>();
		RedisClient client = RedisClient.create();
		try {
			for (HostAndPort node : infrastructure.redisNodes()) {
				try (StatefulRedisConnection<String, String> connection = client
					.connect(TestInfrastructure.redisAdminUri(node))) {
					for (Object entry : connection.sync().aclLog()) {
						Map<?, ?> fields = (Map<?, ?>) entry;
						if (TestCredentials.REDIS_USER.equals(String.valueOf(fields.get("username")))
								&& !"auth".equals(String.valueOf(fields.get("reason")))) {
							refusals.add(node + ": " + fields);
						}
					}
					connection.sync().aclLogReset();
				}
				catch (RuntimeException ex) {
					// down (a fault test's leftover is restarted by the next test):
					// unchecked
				}
			}
		}
		finally {
			client.shutdown();
		}
		if (!refusals.isEmpty()) {
			throw new AssertionError("Redis refused the service's user '" + TestCredentials.REDIS_USER
					+ "' (add the command to k8s/base/redis-users.acl if the service needs it): " + refusals);
		}
	}

}
