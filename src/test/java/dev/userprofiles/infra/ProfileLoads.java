package dev.userprofiles.infra;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.aopalliance.intercept.MethodInterceptor;

import org.springframework.aop.framework.Advised;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Observes and steers the database loads of single profiles (the repository's
 * {@code findById}) in the instance it is a bean of: counts them per id, pauses one right
 * after its row was read (to force a race), or delays every load a little (a GC pause, a
 * slow network). Register it as a bean source of an instance; it is never scanned.
 */
public class ProfileLoads implements BeanPostProcessor {

	private final Map<Long, AtomicInteger> counts = new ConcurrentHashMap<>();

	private final Map<Long, Pause> pauses = new ConcurrentHashMap<>();

	private volatile long randomDelayNanos;

	private volatile long fixedDelayNanos;

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		// The repository proxy, not its factory bean (which shares the name).
		if (beanName.equals("userProfileRepository") && bean instanceof Advised repository) {
			repository.addAdvice(0, (MethodInterceptor) (invocation) -> {
				Object result = invocation.proceed();
				if (invocation.getMethod().getName().equals("findById")
						&& invocation.getArguments()[0] instanceof Long id) {
					afterLoad(id);
				}
				return result;
			});
		}
		return bean;
	}

	private void afterLoad(long id) throws InterruptedException {
		this.counts.computeIfAbsent(id, (key) -> new AtomicInteger()).incrementAndGet();
		Pause pause = this.pauses.remove(id);
		if (pause != null) {
			pause.loaded.countDown();
			if (!pause.released.await(60, TimeUnit.SECONDS)) {
				throw new IllegalStateException("Paused load of profile " + id + " was never released");
			}
		}
		long delay = this.fixedDelayNanos;
		if (this.randomDelayNanos > 0) {
			delay += ThreadLocalRandom.current().nextLong(this.randomDelayNanos);
		}
		if (delay > 0) {
			TimeUnit.NANOSECONDS.sleep(delay);
		}
	}

	/** Database loads of profile {@code id} since this instance started. */
	public int loadsOf(long id) {
		AtomicInteger count = this.counts.get(id);
		return (count != null) ? count.get() : 0;
	}

	/** Database loads of all profiles since this instance started. */
	public int loads() {
		return this.counts.values().stream().mapToInt(AtomicInteger::get).sum();
	}

	/** Holds the next load of {@code id} right after its row was read, until released. */
	public Pause pauseNextLoadOf(long id) {
		Pause pause = new Pause();
		this.pauses.put(id, pause);
		return pause;
	}

	/** Adds a random delay of up to {@code max} after every load. */
	public void delayEveryLoadAtRandomBy(Duration max) {
		this.randomDelayNanos = max.toNanos();
	}

	/** Adds {@code delay} after every load: a slow query. */
	public void delayEveryLoadBy(Duration delay) {
		this.fixedDelayNanos = delay.toNanos();
	}

	/** A load held after its row was read. */
	public static final class Pause {

		private final CountDownLatch loaded = new CountDownLatch(1);

		private final CountDownLatch released = new CountDownLatch(1);

		/** Waits until the paused load has read its row. */
		public void awaitLoaded() throws InterruptedException {
			if (!this.loaded.await(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("The load to pause never happened");
			}
		}

		public void release() {
			this.released.countDown();
		}

	}

}
