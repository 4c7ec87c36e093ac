package dev.userprofiles.profile;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.infra.TestTokens;
import org.aopalliance.intercept.MethodInvocation;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.security.oauth2.jwt.JwtDecoder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-client rate limits shared by every instance through Redis, per-instance limits
 * while Redis is down, a per-address limit on failed authentications checked before any
 * token is verified, and a per-instance concurrency limit that answers at once.
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
	void anAddressThatKeepsFailingAuthenticationIsRefusedBeforeItsTokenIsVerified() throws Exception {
		ServiceInstance service = ServiceInstance.start(List.of(CountedDecoding.class),
				"profiles.rate-limit.failed-authentications=5", "profiles.rate-limit.failed-authentications-period=2s");
		try {
			long id = new ApiClient(service.port()).createProfile().get("id").asLong();
			ApiClient forger = new ApiClient(service.port(),
					TestTokens.untrusted().token("mallory", Duration.ofHours(1), "profiles:read"));
			AtomicInteger decoded = service.bean(CountedDecoding.class).decoded;
			for (int i = 0; i < 5; i++) {
				assertThat(forger.get("/users/" + id).status()).isEqualTo(401);
			}
			int verifications = decoded.get();
			assertThat(verifications).as("forged tokens verified").isGreaterThanOrEqualTo(5);
			ApiClient.Response refused = forger.get("/users/" + id);

			assertThat(refused.status()).isEqualTo(429);
			assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
			assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 2L);
			assertThat(forger.get("/users/" + id).status()).isEqualTo(429);
			assertThat(forger.get("/livez").status()).as("a token sent to an open path").isEqualTo(429);
			assertThat(decoded.get()).as("tokens verified after the address was refused").isEqualTo(verifications);
			assertThat(new ApiClient(service.port(), null).get("/livez").status()).as("a probe, without a token")
				.isEqualTo(200);
			// The address, not the token, is refused: a client behind the same address
			// waits too (per instance, for at most the period).
			assertThat(new ApiClient(service.port(), readToken()).get("/users/" + id).status()).isEqualTo(429);

			Thread.sleep(TimeUnit.SECONDS.toMillis(Long.parseLong(refused.header("Retry-After"))));
			assertThat(forger.get("/users/" + id).status()).as("after Retry-After").isEqualTo(401);
			assertThat(new ApiClient(service.port(), readToken()).get("/users/" + id).status()).isEqualTo(200);
		}
		finally {
			service.close();
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
	/** Counts the tokens the service verifies, around whatever decoder it has. */
	static final class CountedDecoding implements BeanPostProcessor {

		final AtomicInteger decoded = new AtomicInteger();

		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) {
			if (bean instanceof JwtDecoder decoder) {
				return (JwtDecoder) (token) -> {
					this.decoded.incrementAndGet();
					return decoder.decode(token);
				};
			}
			return bean;
		}

	}

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
