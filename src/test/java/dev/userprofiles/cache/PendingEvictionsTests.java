package dev.userprofiles.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cache.concurrent.ConcurrentMapCache;
import org.springframework.util.StringUtils;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class PendingEvictionsTests {

	private static final Duration NEVER = Duration.ofHours(1);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final AtomicLong now = new AtomicLong();

	private final PendingEvictions pendingEvictions = new PendingEvictions(NEVER, NEVER, this.meters, this.now::get);

	@AfterEach
	void stopRetries() {
		this.pendingEvictions.destroy();
	}

	@Test
	void countsKeysDroppedBeyondCapacityAndWarnsAtMostEveryTenSeconds(CapturedOutput output) {
		ConcurrentMapCache cache = new ConcurrentMapCache("users");
		for (int key = 0; key < PendingEvictions.CAPACITY; key++) {
			assertThat(this.pendingEvictions.retry(cache, key)).isTrue();
		}

		for (int key = -1; key >= -3; key--) {
			assertThat(this.pendingEvictions.retry(cache, key)).isFalse();
		}
		assertThat(dropped("overflow")).isEqualTo(3);
		assertThat(overflowWarnings(output)).isOne();

		this.now.addAndGet(Duration.ofSeconds(9).toNanos());
		this.pendingEvictions.retry(cache, -4);
		assertThat(overflowWarnings(output)).isOne();

		this.now.addAndGet(Duration.ofSeconds(1).toNanos());
		this.pendingEvictions.retry(cache, -5);
		assertThat(overflowWarnings(output)).isEqualTo(2);
		assertThat(dropped("overflow")).isEqualTo(5);
		assertThat(this.pendingEvictions.size()).isEqualTo(PendingEvictions.CAPACITY);
	}

	private double dropped(String reason) {
		return this.meters.get("cache.evictions.dropped").tag("reason", reason).counter().count();
	}

	private static int overflowWarnings(CapturedOutput output) {
		return StringUtils.countOccurrencesOf(output.getOut(), "eviction queue is full");
	}

}
