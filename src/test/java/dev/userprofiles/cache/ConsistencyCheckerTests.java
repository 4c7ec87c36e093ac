package dev.userprofiles.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import dev.userprofiles.infra.Http;
import dev.userprofiles.infra.ProfileLoads;
import dev.userprofiles.infra.ReplicationSlots;
import dev.userprofiles.infra.ServiceInstance;
import dev.userprofiles.infra.TestInfrastructure;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.internal.HostAndPort;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A consistency checker under stress: several instances share the cluster and the
 * database; writers update a few hot profiles, a deleter removes others, and readers
 * hammer all of them through any instance for a bounded time. Every acknowledged write is
 * recorded with its version; a read that started after an acknowledgment must return that
 * version or a newer one, and a profile whose deletion was acknowledged must never come
 * back.
 * <p>
 * Every database load is followed by a random pause of up to 3 ms (a GC pause, a slow
 * network), in every configuration. The shipped configuration (three instances, each with
 * its local level) must show no violation, also while the master of the invalidation bus
 * is stopped and restarted. Two weaker configurations must show violations: that is what
 * proves the checker can see them. One is the textbook cache-aside; the other is the
 * shipped one with invalidations sent fire-and-forget, as other near caches do.
 */
class ConsistencyCheckerTests {

	private static final Log logger = LogFactory.getLog(ConsistencyCheckerTests.class);

	private static final Duration RUN = Duration.ofSeconds(8);

	private static final int HOT_PROFILES = 6;

	private static final int DOOMED_PROFILES = 30;

	private static final int WRITERS = 3;

	private static final int READERS = 6;

	private static final String CHANGE_CAPTURE_SLOT = "consistency_checker";

	private static final Http http = new Http();

	private static final TestInfrastructure infrastructure = TestInfrastructure.get();

	private static final List<ServiceInstance> near = new ArrayList<>();

	private static final List<ServiceInstance> fireAndForget = new ArrayList<>();

	private static final List<ServiceInstance> textbook = new ArrayList<>();

	private static final List<ServiceInstance> nonDurable = new ArrayList<>();

	private static final List<ServiceInstance> replicaReading = new ArrayList<>();

	@BeforeAll
	static void startInstances() {
		for (int i = 0; i < 3; i++) {
			// As shipped, change capture included: its invalidations of the service's own
			// writes must do no harm.
			near.add(CacheConfigurations.leased("profiles.cdc.enabled=true",
					"profiles.cdc.slot=" + CHANGE_CAPTURE_SLOT));
			// A bus of its own (key prefix), so the shipped instances never wait for
			// these.
			fireAndForget.add(CacheConfigurations.leased("profiles.cache.near.await-acknowledgements=false",
					"profiles.cache.key-prefix=fireandforget:"));
		}
		for (int i = 0; i < 2; i++) {
			textbook.add(CacheConfigurations.textbook());
		}
		for (int i = 0; i < 3; i++) {
			// Shipped, but invalidations acknowledged by the master alone; a bus of its
			// own.
			nonDurable.add(CacheConfigurations.leased("profiles.cache.durable-invalidation.enabled=false",
					"profiles.cache.key-prefix=nondurable:"));
		}
		for (int i = 0; i < 3; i++) {
			replicaReading.add(CacheConfigurations.replicaReading());
		}
		for (ServiceInstance instance : all()) {
			instance.bean(ProfileLoads.class).delayEveryLoadAtRandomBy(Duration.ofMillis(3));
		}
	}

	@AfterAll
	static void stopInstances() {
		all().forEach(ServiceInstance::close);
		ReplicationSlots.drop(infrastructure, CHANGE_CAPTURE_SLOT);
	}

	private static List<ServiceInstance> all() {
		List<ServiceInstance> all = new ArrayList<>(near);
		all.addAll(fireAndForget);
		all.addAll(textbook);
		all.addAll(nonDurable);
		all.addAll(replicaReading);
		return all;
	}

	@Test
	void noReadIsOlderThanAnAcknowledgedWriteAndNoDeletedProfileComesBack() throws Exception {
		double localHitsBefore = CacheConfigurations.localHits(near);
		Report report = new Checker(near).run(stallingListeners(near));
		double localHits = CacheConfigurations.localHits(near) - localHitsBefore;
		logger.info("MEASURED consistency checker, 3 instances with local levels, listeners stalling: " + report
				+ "; local hits " + (long) localHits);

		assertThat(report.reads()).as("reads").isGreaterThan(300);
		assertThat(localHits).as("reads served by the local levels").isGreaterThan(report.reads() / 10.0);
		assertThat(report.writes()).as("acknowledged writes").isGreaterThan(50);
		assertThat(report.failed()).as("failed requests").isZero();
		assertThat(report.staleReads()).as("stale reads").isZero();
		assertThat(report.resurrections()).as("deleted profiles served").isZero();
	}

	@Test
	void noViolationWhileTheInvalidationBusMasterFailsOverAndRestarts() throws Exception {
		int master = CacheConfigurations.masterIndexOf(near.get(0), "{profiles:bus}:members", infrastructure);
		Report report;
		try {
			report = new Checker(near).run(() -> {
				sleepMillis(RUN.toMillis() / 4);
				infrastructure.stopRedisNode(master);
				sleepMillis(RUN.toMillis() / 2);
				infrastructure.startRedisNode(master);
			});
		}
		finally {
			infrastructure.awaitHealthyCluster();
		}
		logger.info("MEASURED consistency checker, bus master " + master + " stopped and restarted: " + report);

		assertThat(report.reads()).as("reads").isGreaterThan(300);
		assertThat(report.writes()).as("acknowledged writes").isGreaterThan(10);
		assertThat(report.staleReads()).as("stale reads").isZero();
		assertThat(report.resurrections()).as("deleted profiles served").isZero();
	}

	@Test
	void noViolationWhileEveryRedisNodeRestartsAndThenAMasterIsKilled() throws Exception {
		Report report;
		AtomicLong killed = new AtomicLong(-1);
		try {
			report = new Checker(near).run(() -> {
				sleepMillis(1_000);
				infrastructure.stopAllRedisNodes();
				sleepMillis(1_500);
				// Back empty (no persistence); waits for a healthy cluster.
				infrastructure.startAllRedisNodes();
				sleepMillis(1_000);
				int master = currentMasterOf("{profiles:bus}:members");
				killed.set(master);
				infrastructure.stopRedisNode(master);
				sleepMillis(5_000);
				infrastructure.startRedisNode(master);
			}, RUN.multipliedBy(2));
		}
		finally {
			infrastructure.startAllRedisNodes();
		}
		logger.info("MEASURED consistency checker, every Redis node restarted, then master " + killed
				+ " (the bus's) stopped and restarted: " + report);

		assertThat(report.reads()).as("reads").isGreaterThan(300);
		assertThat(report.writes()).as("acknowledged writes").isGreaterThan(10);
		assertThat(report.staleReads()).as("stale reads").isZero();
		assertThat(report.resurrections()).as("deleted profiles served").isZero();
	}

	@Test
	void noViolationWithReplicaReads() throws Exception {
		CacheConfigurations.awaitReplicaReads(replicaReading);
		double[] before = CacheConfigurations.replicaReads(replicaReading);
		Report report = new Checker(replicaReading).run(stallingListeners(replicaReading));
		double[] after = CacheConfigurations.replicaReads(replicaReading);
		double served = after[0] - before[0];
		double refused = after[1] - before[1];
		logger.info("MEASURED consistency checker, replica reads on (local level of 1 byte), listeners stalling: "
				+ report + "; Redis-level reads served by replicas " + (long) served + ", refused by a fence and "
				+ "read from the master " + (long) refused + " (fallback rate "
				+ String.format("%.1f%%", 100 * refused / Math.max(1, served + refused)) + ")");

		assertThat(report.reads()).as("reads").isGreaterThan(300);
		assertThat(served).as("reads served by replicas").isPositive();
		assertThat(report.staleReads()).as("stale reads").isZero();
		assertThat(report.resurrections()).as("deleted profiles served").isZero();
	}

	@Test
	void noViolationWhileMastersAreKilledOneAfterAnother() throws Exception {
		Report report = runKillingMasters(near);
		logger.info("MEASURED consistency checker, every master killed (SIGKILL) in turn, replica promoted, "
				+ "durable invalidation on: " + report);

		assertThat(report.reads()).as("reads").isGreaterThan(300);
		assertThat(report.writes()).as("acknowledged writes").isGreaterThan(10);
		assertThat(report.staleReads()).as("stale reads").isZero();
		assertThat(report.resurrections()).as("deleted profiles served").isZero();
	}

	/**
	 * The same without durable invalidation: what it finds is reported, not asserted (a
	 * lost invalidation needs a master to die in the moment between applying and
	 * replicating it).
	 */
	@Test
	void mastersKilledOneAfterAnotherWithoutDurableInvalidation() throws Exception {
		Report report = runKillingMasters(nonDurable);
		logger.info("MEASURED consistency checker, every master killed (SIGKILL) in turn, replica promoted, "
				+ "durable invalidation off: " + report);

		assertThat(report.reads()).as("reads").isGreaterThan(300);
	}

	/**
	 * Runs the checker while each of the three masters of the start is killed (SIGKILL),
	 * its replica promoted, and the killed node started again (it rejoins as a replica).
	 */
	private static Report runKillingMasters(List<ServiceInstance> instances) throws Exception {
		List<Integer> masters = currentMasters();
		assertThat(masters).hasSize(3);
		try {
			return new Checker(instances).run(() -> {
				for (int master : masters) {
					sleepMillis(1_000);
					infrastructure.killRedisNode(master);
					// Failover: the cluster node timeout, then the replica's election.
					sleepMillis(5_000);
					infrastructure.startRedisNode(master);
					infrastructure.awaitHealthyCluster();
				}
			}, Duration.ofSeconds(30));
		}
		finally {
			infrastructure.startAllRedisNodes();
		}
	}

	/** The indexes of the nodes that are masters now, asked of the nodes themselves. */
	private static List<Integer> currentMasters() {
		List<HostAndPort> nodes = infrastructure.redisNodes();
		List<Integer> masters = new ArrayList<>();
		RedisClient client = RedisClient.create();
		try {
			for (int i = 0; i < nodes.size(); i++) {
				try (StatefulRedisConnection<String, String> connection = client
					.connect(TestInfrastructure.redisAdminUri(nodes.get(i)))) {
					if (connection.sync().info("replication").contains("role:master")) {
						masters.add(i);
					}
				}
			}
		}
		finally {
			client.shutdown();
		}
		return masters;
	}

	/**
	 * The node now serving {@code key} as master, asked of the nodes themselves (an
	 * instance's topology may lag after a restart): only the owner answers without a
	 * redirect.
	 */
	private static int currentMasterOf(String key) {
		List<HostAndPort> nodes = infrastructure.redisNodes();
		RedisClient client = RedisClient.create();
		try {
			for (int i = 0; i < nodes.size(); i++) {
				RedisURI uri = TestInfrastructure.redisAdminUri(nodes.get(i));
				try (StatefulRedisConnection<String, String> connection = client.connect(uri)) {
					connection.sync().exists(key);
					return i;
				}
				catch (RedisCommandExecutionException ex) {
					// MOVED: not the owner.
				}
			}
		}
		finally {
			client.shutdown();
		}
		throw new IllegalStateException("No node serves " + key + " as master");
	}

	@Test
	void theCheckerFindsViolationsWhenInvalidationsAreFireAndForget() throws Exception {
		Report report = new Checker(fireAndForget).run(stallingListeners(fireAndForget));
		logger.info("MEASURED consistency checker, fire-and-forget invalidations: " + report);

		assertThat(report.reads()).as("reads").isGreaterThan(300);
		assertThat(report.staleReads() + report.resurrections()).as("violations").isPositive();
	}

	@Test
	void theCheckerFindsViolationsInTheTextbookConfiguration() throws Exception {
		Report report = new Checker(textbook).run(() -> {
		});
		logger.info("MEASURED consistency checker, textbook: " + report);

		assertThat(report.reads()).as("reads").isGreaterThan(300);
		assertThat(report.staleReads() + report.resurrections()).as("violations").isPositive();
	}

	/**
	 * Every 800 ms, stalls one member's invalidation listener and heartbeat for 300 ms,
	 * as a GC pause would.
	 */
	private static Runnable stallingListeners(List<ServiceInstance> members) {
		return () -> {
			long deadline = System.nanoTime() + RUN.toNanos();
			while (System.nanoTime() - deadline < 0 && !Thread.currentThread().isInterrupted()) {
				ServiceInstance member = members.get(ThreadLocalRandom.current().nextInt(members.size()));
				member.bean(InvalidationBus.class).pauseFor(Duration.ofMillis(300));
				sleepMillis(800);
			}
		};
	}

	private static void sleepMillis(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** One bounded run against a set of instances. */
	private static final class Checker {

		private final List<ServiceInstance> instances;

		private final Map<Long, AtomicLong> acknowledgedVersions = new ConcurrentHashMap<>();

		private final Map<Long, AtomicBoolean> acknowledgedDeletions = new ConcurrentHashMap<>();

		private final Map<Long, String> usernames = new ConcurrentHashMap<>();

		private final List<Long> hot = new ArrayList<>();

		private final List<Long> doomed = new ArrayList<>();

		private final LongAdder reads = new LongAdder();

		private final LongAdder writes = new LongAdder();

		private final LongAdder deletes = new LongAdder();

		private final LongAdder failed = new LongAdder();

		private final LongAdder staleReads = new LongAdder();

		private final LongAdder resurrections = new LongAdder();

		Checker(List<ServiceInstance> instances) {
			this.instances = instances;
		}

		/**
		 * Creates the profiles, then runs readers, writers and the deleter for
		 * {@link #RUN} while {@code disturbance} runs beside them.
		 */
		Report run(Runnable disturbance) throws Exception {
			return run(disturbance, RUN);
		}

		Report run(Runnable disturbance, Duration length) throws Exception {
			for (int i = 0; i < HOT_PROFILES + DOOMED_PROFILES; i++) {
				long id = create();
				((i < HOT_PROFILES) ? this.hot : this.doomed).add(id);
			}
			long deadline = System.nanoTime() + length.toNanos();
			ExecutorService executor = Executors.newFixedThreadPool(WRITERS + READERS + 2);
			try {
				List<Future<?>> workers = new ArrayList<>();
				for (int i = 0; i < WRITERS; i++) {
					workers.add(executor.submit(() -> write(deadline)));
				}
				for (int i = 0; i < READERS; i++) {
					workers.add(executor.submit(() -> read(deadline)));
				}
				workers.add(executor.submit(() -> delete(deadline)));
				workers.add(executor.submit(disturbance));
				for (Future<?> worker : workers) {
					worker.get(length.toSeconds() + 60, TimeUnit.SECONDS);
				}
			}
			finally {
				executor.shutdownNow();
			}
			return new Report(this.reads.sum(), this.writes.sum(), this.deletes.sum(), this.failed.sum(),
					this.staleReads.sum(), this.resurrections.sum());
		}

		private long create() {
			String username = "cc" + System.nanoTime();
			Http.Result created = http.post(instance().url("/users"), Http.profileJson(username, "Created"));
			assertThat(created.status()).isEqualTo(201);
			long id = created.id();
			this.usernames.put(id, username);
			this.acknowledgedVersions.put(id, new AtomicLong(created.version()));
			this.acknowledgedDeletions.put(id, new AtomicBoolean());
			return id;
		}

		private void write(long deadline) {
			while (System.nanoTime() - deadline < 0) {
				long id = pick(this.hot);
				Http.Result result = http.put(instance().url("/users/" + id),
						Http.profileJson(this.usernames.get(id), "Name " + System.nanoTime()));
				if (result.status() == 200) {
					this.acknowledgedVersions.get(id).accumulateAndGet(result.version(), Math::max);
					this.writes.increment();
				}
				else {
					this.failed.increment();
				}
			}
		}

		private void delete(long deadline) {
			long pause = RUN.toMillis() / (DOOMED_PROFILES + 1);
			for (long id : this.doomed) {
				if (System.nanoTime() - deadline >= 0 || !sleep(pause)) {
					return;
				}
				Http.Result result = http.delete(instance().url("/users/" + id));
				if (result.status() == 204) {
					this.acknowledgedDeletions.get(id).set(true);
					this.deletes.increment();
				}
				else {
					this.failed.increment();
				}
			}
		}

		private void read(long deadline) {
			while (System.nanoTime() - deadline < 0) {
				long id = ThreadLocalRandom.current().nextBoolean() ? pick(this.hot) : pick(this.doomed);
				// What was acknowledged before this read started.
				long atLeast = this.acknowledgedVersions.get(id).get();
				boolean deleted = this.acknowledgedDeletions.get(id).get();
				Http.Result result = http.get(instance().url("/users/" + id));
				this.reads.increment();
				if (result.failed()) {
					this.failed.increment();
				}
				else if (result.status() == 200 && deleted) {
					this.resurrections.increment();
				}
				else if (result.status() == 200 && result.version() < atLeast) {
					this.staleReads.increment();
				}
			}
		}

		private ServiceInstance instance() {
			return this.instances.get(ThreadLocalRandom.current().nextInt(this.instances.size()));
		}

		private static long pick(List<Long> ids) {
			return ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
		}

		private static boolean sleep(long millis) {
			try {
				Thread.sleep(millis);
				return true;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}

	}

	private record Report(long reads, long writes, long deletes, long failed, long staleReads, long resurrections) {

		@Override
		public String toString() {
			return this.reads + " reads, " + this.writes + " updates, " + this.deletes + " deletes acknowledged, "
					+ this.failed + " failed; violations: " + this.staleReads + " stale reads, " + this.resurrections
					+ " deleted profiles served";
		}

	}

}
