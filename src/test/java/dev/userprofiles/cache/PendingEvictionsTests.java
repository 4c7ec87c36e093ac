package dev.userprofiles.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.userprofiles.infra.WithoutInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.cache.concurrent.ConcurrentMapCache;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.StringUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The retry queue's bookkeeping, against in-memory caches and a ticker only the test
 * moves, so its edge cases need neither Redis nor sleeping.
 */
@ExtendWith(OutputCaptureExtension.class)
@WithoutInfrastructure
class PendingEvictionsTests {

	private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(10);

	/** Long enough that no scheduled retry runs during a test. */
	private static final Duration NO_RETRY = Duration.ofHours(1);

	private static final Duration QUICK_RETRY = Duration.ofMillis(10);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	/** The ticker: time moves only when a test moves it. */
	private final AtomicLong now = new AtomicLong();

	private final List<PendingEvictions> started = new ArrayList<>();

	@AfterEach
	void stopRetries() {
		this.started.forEach(PendingEvictions::destroy);
	}

	@Test
	void countsKeysDroppedBeyondCapacityAndWarnsAtMostEveryTenSeconds(CapturedOutput output) {
		PendingEvictions pendingEvictions = pendingEvictions(NO_RETRY);
		ConcurrentMapCache cache = new ConcurrentMapCache("users");
		for (int key = 0; key < PendingEvictions.CAPACITY; key++) {
			assertThat(pendingEvictions.retry(cache, key)).isTrue();
		}

		for (int key = -1; key >= -3; key--) {
			assertThat(pendingEvictions.retry(cache, key)).isFalse();
		}
		assertThat(dropped("overflow")).isEqualTo(3);
		assertThat(overflowWarnings(output)).isOne();

		advanceTo(Duration.ofSeconds(9));
		pendingEvictions.retry(cache, -4);
		assertThat(overflowWarnings(output)).isOne();

		advanceTo(Duration.ofSeconds(10));
		pendingEvictions.retry(cache, -5);
		assertThat(overflowWarnings(output)).isEqualTo(2);
		assertThat(dropped("overflow")).isEqualTo(5);
		assertThat(pendingEvictions.size()).isEqualTo(PendingEvictions.CAPACITY);
	}

	@Test
	void keyQueuedAgainIsRetriedUntilTheLaterDeadline() {
		PendingEvictions pendingEvictions = pendingEvictions(QUICK_RETRY);
		FlakyCache cache = new FlakyCache(Integer.MAX_VALUE);
		pendingEvictions.retry(cache, 1L);
		advanceTo(Duration.ofSeconds(6));
		pendingEvictions.retry(cache, 1L);

		advanceTo(Duration.ofSeconds(12));
		awaitTwoMoreAttemptsOrNoneLeft(cache, pendingEvictions);
		assertThat(pendingEvictions.size()).as("retries past the first deadline").isOne();

		advanceTo(Duration.ofSeconds(16));
		await().atMost(Duration.ofSeconds(5)).until(() -> pendingEvictions.size() == 0);
	}

	@Test
	void keyQueuedAgainWhileAnAttemptSucceedsIsEvictedAgain() throws InterruptedException {
		PendingEvictions pendingEvictions = pendingEvictions(QUICK_RETRY);
		CountDownLatch evicted = new CountDownLatch(1);
		CountDownLatch queuedAgain = new CountDownLatch(1);
		FlakyCache cache = new FlakyCache(0) {

			@Override
			public void evict(Object key) {
				super.evict(key);
				if (attempts() == 1) {
					evicted.countDown();
					awaitLatch(queuedAgain);
				}
			}

		};
		pendingEvictions.retry(cache, 1L);
		assertThat(evicted.await(5, TimeUnit.SECONDS)).isTrue();

		// A newer write's put failed after the evict but before the attempt finished;
		// the clock has not moved, so the deadline is numerically the same.
		pendingEvictions.retry(cache, 1L);
		queuedAgain.countDown();

		await().atMost(Duration.ofSeconds(5)).until(() -> pendingEvictions.size() == 0);
		assertThat(cache.attempts()).isEqualTo(2);
	}

	@Test
	void shutdownTriesEachPendingEvictionOnceMoreAndCountsWhatIsDropped(CapturedOutput output) {
		PendingEvictions pendingEvictions = pendingEvictions(NO_RETRY);
		FlakyCache cache = new FlakyCache(1);
		for (long key = 1; key <= 3; key++) {
			cache.put(key, "old");
			pendingEvictions.retry(cache, key);
		}

		pendingEvictions.destroy();

		assertThat(cache.attempts()).isEqualTo(3);
		assertThat(cache.getNativeCache()).hasSize(1);
		assertThat(pendingEvictions.size()).isZero();
		assertThat(dropped("shutdown")).isOne();
		assertThat(StringUtils.countOccurrencesOf(output.getOut(), "1 pending cache eviction(s) failed at shutdown"))
			.isOne();
	}

	@Test
	void evictionQueuedAfterShutdownIsTriedOnceInsteadOfThrowing() {
		PendingEvictions pendingEvictions = pendingEvictions(NO_RETRY);
		pendingEvictions.destroy();
		FlakyCache cache = new FlakyCache(Integer.MAX_VALUE);

		pendingEvictions.retry(cache, 1L);

		assertThat(cache.attempts()).isOne();
		assertThat(pendingEvictions.size()).isZero();
		assertThat(dropped("shutdown")).isOne();
	}

	@Test
	void closingTheContextMakesTheFinalAttemptsOnce(CapturedOutput output) {
		PendingEvictions pendingEvictions = pendingEvictions(NO_RETRY);
		FlakyCache cache = new FlakyCache(Integer.MAX_VALUE);
		try (GenericApplicationContext context = new GenericApplicationContext()) {
			context.registerBean(PendingEvictions.class, () -> pendingEvictions);
			context.refresh();
			assertThat(pendingEvictions.isRunning()).isTrue();
			pendingEvictions.retry(cache, 1L);
		}

		assertThat(pendingEvictions.isRunning()).isFalse();
		assertThat(cache.attempts()).isOne();
		assertThat(dropped("shutdown")).isOne();
		assertThat(StringUtils.countOccurrencesOf(output.getOut(), "failed at shutdown")).isOne();
	}

	@Test
	void stopsAfterTheWebServerAndBeforeRedisDisconnects() {
		PendingEvictions pendingEvictions = pendingEvictions(NO_RETRY);

		assertThat(pendingEvictions.getPhase()).isLessThan(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE)
			.isGreaterThan(new LettuceConnectionFactory().getPhase());
	}

	private PendingEvictions pendingEvictions(Duration retryInterval) {
		PendingEvictions pendingEvictions = new PendingEvictions(retryInterval, GIVE_UP_AFTER, this.meters,
				this.now::get);
		this.started.add(pendingEvictions);
		return pendingEvictions;
	}

	private void advanceTo(Duration time) {
		this.now.set(time.toNanos());
	}

	/**
	 * Waits until an attempt has started and finished entirely after the clock moved.
	 */
	private static void awaitTwoMoreAttemptsOrNoneLeft(FlakyCache cache, PendingEvictions pendingEvictions) {
		int attempts = cache.attempts();
		await().atMost(Duration.ofSeconds(5))
			.until(() -> cache.attempts() >= attempts + 2 || pendingEvictions.size() == 0);
	}

	private double dropped(String reason) {
		return this.meters.get("cache.evictions.dropped").tag("reason", reason).counter().count();
	}

	private static int overflowWarnings(CapturedOutput output) {
		return StringUtils.countOccurrencesOf(output.getOut(), "eviction queue is full");
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			if (!latch.await(5, TimeUnit.SECONDS)) {
				throw new IllegalStateException("The test never released the latch");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A cache whose evict fails a chosen number of times before it succeeds.
	 */
	static class FlakyCache extends ConcurrentMapCache {

		private final AtomicInteger failuresLeft;

		private final AtomicInteger attempts = new AtomicInteger();

		FlakyCache(int failures) {
			super("users");
			this.failuresLeft = new AtomicInteger(failures);
		}

		@Override
		public void evict(Object key) {
			this.attempts.incrementAndGet();
			if (this.failuresLeft.getAndDecrement() > 0) {
				throw new RedisConnectionFailureException("down");
			}
			super.evict(key);
		}

		int attempts() {
			return this.attempts.get();
		}

	}

}
