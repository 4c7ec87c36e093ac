package dev.userprofiles.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestInfrastructure;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance started while every Redis node is down starts all the same, serves from
 * Postgres, and joins the invalidation bus once Redis is back.
 */
class NearCacheStartupTests {

	private static final ApiClient http = new ApiClient();

	@Test
	void startsWhileRedisIsDownAndJoinsTheBusWhenItReturns() {
		TestInfrastructure infrastructure = TestInfrastructure.get();
		long id;
		try (ServiceInstance seeding = CacheConfigurations.leased()) {
			id = http.post(seeding.url("/users"), ApiClient.profileJson("boot" + System.nanoTime(), "Boot")).id();
		}
		infrastructure.stopAllRedisNodes();
		ServiceInstance instance = null;
		try {
			instance = CacheConfigurations.leased();
			assertThat(http.get(instance.url("/users/" + id)).status()).isEqualTo(200);
			assertThat(instance.bean(InvalidationBus.class).servesLocally()).isFalse();
		}
		finally {
			infrastructure.startAllRedisNodes();
		}
		try (ServiceInstance started = instance) {
			await().atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(200))
				.until(() -> started.bean(InvalidationBus.class).servesLocally());
			AtomicReference<ApiClient.Response> last = new AtomicReference<>();
			try {
				await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
					last.set(http.post(started.url("/users"),
							ApiClient.profileJson("after" + System.nanoTime(), "After")));
					return last.get().status() == 201;
				});
			}
			catch (ConditionTimeoutException ex) {
				ApiClient.Response answer = last.get();
				throw new AssertionError("No POST answered 201 within 60 s of joining the bus; the last answer: "
						+ ((answer != null) ? answer.status() + " " + answer.body() : "none") + "; serving locally: "
						+ started.bean(InvalidationBus.class).servesLocally(), ex);
			}
		}
	}

}
