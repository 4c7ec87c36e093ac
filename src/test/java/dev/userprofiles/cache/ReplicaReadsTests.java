package dev.userprofiles.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceInstance;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reads from replicas gain, measured beside masters-only reads of the same keys in
 * the same run. (That they keep read-your-writes is the consistency checker's part,
 * {@code ConsistencyCheckerTests}: a cluster replica refuses writes, so replication lag
 * cannot be staged by writing an old value onto one.)
 */
class ReplicaReadsTests {

	private static final Log logger = LogFactory.getLog(ReplicaReadsTests.class);

	private static final ApiClient http = new ApiClient();

	private static ServiceInstance reader;

	private static ServiceInstance writer;

	private static ServiceInstance mastersOnly;

	@BeforeAll
	static void startInstances() {
		reader = CacheConfigurations.replicaReading();
		writer = CacheConfigurations.replicaReading();
		// The same bus and keys, reading masters only: the comparison.
		mastersOnly = CacheConfigurations.mastersOnlyReading();
		CacheConfigurations.awaitReplicaReads(List.of(reader, writer));
	}

	@AfterAll
	static void stopInstances() {
		ServiceInstance.closeAll(reader, writer, mastersOnly);
	}

	@Test
	void replicaReadsBesideMasterReads() throws Exception {
		List<Long> ids = new ArrayList<>();
		for (int i = 0; i < 30; i++) {
			ids.add(http.post(writer.url("/users"), ApiClient.profileJson("rt" + System.nanoTime(), "Hot")).id());
		}
		double[] before = CacheConfigurations.replicaReads(List.of(reader));
		long[] replicas = new long[2];
		long[] masters = new long[2];
		for (int round = 0; round < 2; round++) {
			replicas[round] = readsPerSecond(reader, ids);
			masters[round] = readsPerSecond(mastersOnly, ids);
		}
		double[] after = CacheConfigurations.replicaReads(List.of(reader));
		double served = after[0] - before[0];
		double refused = after[1] - before[1];
		logger.info("MEASURED replica reads, 8 clients, 30 profiles, no local level, 3 s per round: replicas "
				+ replicas[0] + " and " + replicas[1] + " reads/s, masters only " + masters[0] + " and " + masters[1]
				+ " reads/s (ratio "
				+ String.format("%.2f", (double) (replicas[0] + replicas[1]) / (masters[0] + masters[1]))
				+ "); Redis-level reads served by replicas " + (long) served + ", refused " + (long) refused);

		assertThat(served).as("reads served by replicas").isPositive();
		assertThat(masters[0] + masters[1]).isPositive();
	}

	private static long readsPerSecond(ServiceInstance instance, List<Long> ids) throws Exception {
		LongAdder reads = new LongAdder();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
		ExecutorService clients = Executors.newFixedThreadPool(8);
		try {
			List<Future<?>> running = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				running.add(clients.submit(() -> {
					while (System.nanoTime() < deadline) {
						long id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
						if (http.get(instance.url("/users/" + id)).status() == 200) {
							reads.increment();
						}
					}
				}));
			}
			for (Future<?> client : running) {
				client.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			clients.shutdownNow();
		}
		return reads.sum() / 3;
	}

}
