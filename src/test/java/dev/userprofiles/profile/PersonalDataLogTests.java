package dev.userprofiles.profile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestInfrastructure;
import org.aopalliance.intercept.MethodInvocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No personal data in the service's logs: a duplicate that reaches the database's unique
 * index (whose error detail quotes the row) and a Redis outage during writes are
 * provoked, and every log entry of the service is scanned for the usernames and addresses
 * sent. Warnings repeated during the outage come as one line per interval.
 */
@ExtendWith(OutputCaptureExtension.class)
class PersonalDataLogTests {

	/** A log entry starts with Boot's timestamp; stack trace lines continue it. */
	private static final Pattern ENTRY_START = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}");

	@Test
	void neitherADuplicateNorAnOutageLogsPersonalData(CapturedOutput output) throws Exception {
		TestInfrastructure infrastructure = TestInfrastructure.get();
		List<String> personal = new ArrayList<>();
		ServiceInstance service = ServiceInstance.start(List.of(UniquenessRace.class),
				"profiles.web.warning-log-interval=1m", "profiles.cache.error-log-interval=1m");
		try {
			ApiClient api = new ApiClient(service.port());
			String start = output.toString();

			// Two creations with one address both pass the uniqueness check, so the
			// second
			// insert meets the unique index: the driver's error names the address.
			String email = ApiClient.uniqueHandle() + "@example.com";
			service.bean(UniquenessRace.class).hold(email);
			String first = ApiClient.uniqueHandle();
			String second = ApiClient.uniqueHandle();
			personal.addAll(List.of(email, first, second));
			var one = CompletableFuture.supplyAsync(() -> api.post("/users", ApiClient.profileJson(first, email, "A")));
			var two = CompletableFuture
				.supplyAsync(() -> api.post("/users", ApiClient.profileJson(second, email, "B")));
			List<Integer> statuses = List.of(one.get(30, TimeUnit.SECONDS).status(),
					two.get(30, TimeUnit.SECONDS).status());
			assertThat(statuses).containsExactlyInAnyOrder(201, 409);
			assertThat(serviceLog(output, start)).as("the insert met the unique index")
				.anyMatch((entry) -> entry.contains("23505"));

			infrastructure.stopAllRedisNodes();
			try {
				for (int i = 0; i < 10; i++) {
					String handle = ApiClient.uniqueHandle();
					personal.addAll(List.of(handle, handle + "@example.com"));
					ApiClient.Response response = api.post("/users",
							ApiClient.profileJson(handle, handle + "@example.com", "During the outage"));
					assertThat(response.status()).isEqualTo(503);
				}
			}
			finally {
				infrastructure.startAllRedisNodes();
			}

			List<String> log = serviceLog(output, start);
			assertThat(log.stream().filter((entry) -> entry.contains("Write not acknowledged")))
				.as("one warning per interval, not one per request")
				.hasSize(1);
			for (String value : personal) {
				assertThat(log).as("log entries naming " + value).noneMatch((entry) -> entry.contains(value));
			}
		}
		finally {
			service.close();
			infrastructure.awaitHealthyCluster();
		}
	}

	/**
	 * The entries the service logged since {@code start}. The embedded Postgres of the
	 * local backend logs through this JVM too; the server's own log is not the service's.
	 */
	private static List<String> serviceLog(CapturedOutput output, String start) {
		String text = output.toString().substring(start.length());
		List<String> entries = new ArrayList<>();
		StringBuilder entry = null;
		for (String line : text.split("\n")) {
			if (ENTRY_START.matcher(line).find()) {
				if (entry != null) {
					entries.add(entry.toString());
				}
				entry = new StringBuilder(line);
			}
			else if (entry != null) {
				entry.append('\n').append(line);
			}
		}
		if (entry != null) {
			entries.add(entry.toString());
		}
		return entries.stream()
			.filter((each) -> !each.lines().findFirst().orElse("").contains("EmbeddedPostgres"))
			.toList();
	}

	/**
	 * Holds the uniqueness check of one address until two requests have made it, so both
	 * pass it before either inserts.
	 */
	static final class UniquenessRace extends RepositoryInterceptor {

		private final CyclicBarrier bothChecked = new CyclicBarrier(2);

		private volatile String email = "";

		void hold(String email) {
			this.email = email;
		}

		@Override
		public Object invoke(MethodInvocation invocation) throws Throwable {
			Object result = invocation.proceed();
			if (invocation.getMethod().getName().equals("emailTaken")
					&& this.email.equals(invocation.getArguments()[0])) {
				this.bothChecked.await(10, TimeUnit.SECONDS);
			}
			return result;
		}

	}

}
