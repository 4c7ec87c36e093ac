package dev.userprofiles.cache;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The circuit breaker in front of Redis, called without Resilience4j's decorators: those
 * publish an event object per call as soon as anyone listens for state transitions, and
 * leak a half-open permission when the call throws an {@link Error}. Transitions are
 * logged here instead, by comparing the state after each call.
 */
final class RedisBreaker {

	private static final Log logger = LogFactory.getLog(RedisBreaker.class);

	private final CircuitBreaker breaker;

	private final AtomicReference<CircuitBreaker.State> logged = new AtomicReference<>(CircuitBreaker.State.CLOSED);

	RedisBreaker(CircuitBreaker breaker) {
		this.breaker = breaker;
	}

	/**
	 * Calls Redis if the breaker lets it, recording the outcome.
	 * @throws io.github.resilience4j.circuitbreaker.CallNotPermittedException while open
	 */
	<T> T call(Supplier<T> redisCall) {
		this.breaker.acquirePermission();
		long start = System.nanoTime();
		try {
			T result = redisCall.get();
			this.breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
			return result;
		}
		catch (Throwable ex) {
			// Also for an Error: it gives the half-open permission back.
			this.breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, ex);
			throw ex;
		}
		finally {
			logTransition();
		}
	}

	private void logTransition() {
		CircuitBreaker.State state = this.breaker.getState();
		CircuitBreaker.State previous = this.logged.get();
		if (state != previous && this.logged.compareAndSet(previous, state)) {
			logger.warn("Redis cache circuit breaker: " + previous + " -> " + state);
		}
	}

}
