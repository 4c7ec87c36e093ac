package dev.userprofiles.profile;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.infra.TestTokens;
import org.aopalliance.intercept.MethodInvocation;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-client rate limits shared by every instance through Redis, per-instance limits
 * while Redis is down, and a per-instance concurrency limit that answers at once.
 */
class RequestLimitsTests {

	/** Exact sharing (a sync with Redis on every request) and no refill during a test. */
	private static final List<String> SMALL_LIMIT = List.of("profiles.rate-limit.capacity=6",
			"profiles.rate-limit.period=10m", "profiles.rate-limit.max-unsynced-requests=0");

	@Test
	void aClientsLimitIsSharedByEveryInstance() {
		ServiceInstance one = ServiceInstance.start(List.of(), SMALL_LIMIT.toArray(String[]::new));
		ServiceInstance two = null;
		try {
			two = ServiceInstance.start(List.of(), SMALL_LIMIT.toArray(String[]::new));
			long id = new ApiClient(one.port()).createProfile().get("id").asLong();
			ApiClient client = new ApiClient(one.port(), readToken());
			ApiClient sameClientElsewhere = new ApiClient(two.port(), client.token());

			for (int i = 0; i < 3; i++) {
				ApiClient.Response first = client.get("/users/" + id);
				ApiClient.Response second = sameClientElsewhere.get("/users/" + id);
				assertThat(List.of(first.status(), second.status())).containsOnly(200);
				assertThat(second.header("RateLimit")).startsWith("\"per-client\";r=" + (4 - 2 * i) + ";t=");
			}
			ApiClient.Response refused = client.get("/users/" + id);

			assertThat(refused.status()).isEqualTo(429);
			assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
			assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 600L);
			assertThat(refused.header("RateLimit-Policy")).isEqualTo("\"per-client\";q=6;w=600");
			assertThat(refused.header("RateLimit")).startsWith("\"per-client\";r=0;");
			assertThat(sameClientElsewhere.get("/users/" + id).status()).isEqualTo(429);
			assertThat(new ApiClient(two.port(), readToken()).get("/users/" + id).status())
				.as("another client has its own bucket")
				.isEqualTo(200);
		}
		finally {
			ServiceInstance.closeAll(one, two);
		}
	}

	@Test
	void whileRedisIsDownEachInstanceLimitsOnItsOwn() {
		TestInfrastructure infrastructure = TestInfrastructure.get();
		ServiceInstance service = ServiceInstance.start(List.of(), SMALL_LIMIT.toArray(String[]::new));
		try {
			long id = new ApiClient(service.port()).createProfile().get("id").asLong();
			ApiClient client = new ApiClient(service.port(), readToken());
			infrastructure.stopAllRedisNodes();
			try {
				for (int i = 0; i < 6; i++) {
					assertThat(client.get("/users/" + id).status()).as("request %d", i + 1).isEqualTo(200);
				}
				ApiClient.Response refused = client.get("/users/" + id);
				assertThat(refused.status()).isEqualTo(429);
				assertThat(refused.header("Retry-After")).isNotNull();
			}
			finally {
				infrastructure.startAllRedisNodes();
			}
		}
		finally {
			service.close();
			infrastructure.awaitHealthyCluster();
		}
	}

	@Test
	void requestsBeyondTheConcurrencyLimitGet503AtOnce() throws Exception {
		ServiceInstance service = ServiceInstance.start(List.of(SlowReads.class),
				"profiles.web.max-concurrent-requests=2");
		SlowReads slow = service.bean(SlowReads.class);
		try {
			ApiClient api = new ApiClient(service.port());
			long first = api.createProfile().get("id").asLong();
			long second = api.createProfile().get("id").asLong();
			long third = api.createProfile().get("id").asLong();
			slow.hold(first, second);
			var held = List.of(CompletableFuture.supplyAsync(() -> api.get("/users/" + first)),
					CompletableFuture.supplyAsync(() -> api.get("/users/" + second)));
			assertThat(slow.reached.await(10, TimeUnit.SECONDS)).as("both reads are held").isTrue();

			long start = System.nanoTime();
			ApiClient.Response excess = api.get("/users/" + third);
			Duration took = Duration.ofNanos(System.nanoTime() - start);

			assertThat(excess.status()).isEqualTo(503);
			assertThat(excess.header("Retry-After")).isEqualTo("1");
			assertThat(excess.header("Content-Type")).isEqualTo("application/problem+json");
			assertThat(took).as("answered at once, not queued").isLessThan(Duration.ofSeconds(1));
			assertThat(api.get("/readyz").status()).as("the probes are not limited").isEqualTo(200);
			slow.release.countDown();
			for (var request : held) {
				assertThat(request.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
			}
			assertThat(api.get("/users/" + third).status()).isEqualTo(200);
		}
		finally {
			slow.release.countDown();
			service.close();
		}
	}

	private static String readToken() {
		return TestTokens.get().token(ApiClient.uniqueHandle(), Duration.ofHours(1), ProfileScopes.READ);
	}

	/** Holds the database reads of chosen profiles until released. */
	static final class SlowReads extends RepositoryInterceptor {

		private final Set<Long> held = ConcurrentHashMap.newKeySet();

		final CountDownLatch reached = new CountDownLatch(2);

		final CountDownLatch release = new CountDownLatch(1);

		void hold(Long... ids) {
			this.held.addAll(List.of(ids));
		}

		@Override
		public Object invoke(MethodInvocation invocation) throws Throwable {
			if (invocation.getMethod().getName().equals("findById")
					&& this.held.contains(invocation.getArguments()[0])) {
				this.reached.countDown();
				this.release.await(20, TimeUnit.SECONDS);
			}
			return invocation.proceed();
		}

	}

}
