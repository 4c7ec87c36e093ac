package dev.userprofiles.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Everything one benchmark run measured, as written to {@code results.json}. Times are in
 * microseconds unless a name says otherwise.
 */
record BenchResults(Machine machine, BenchSettings settings, String startedAt, double durationSeconds,
		List<ScenarioResult> scenarios, Map<String, List<double[]>> latencyCurves, List<EntryMemory> memory,
		List<SerializerBenchmarks.Measurement> serializers, List<ConnectionScaling> connectionScaling,
		List<SizeScaling> sizeScaling, List<ServiceFootprint> services, List<Target> targets) {

	record Machine(int cpus, long memoryBytes, String os, String kernel, String harnessJava, String serviceJava,
			String serviceJvmOptions, String infrastructure, String redisVersion) {
	}

	/** Median, lowest and highest of the repetitions, and each repetition's value. */
	record Stat(double median, double min, double max, double[] runs) {

		static Stat of(double... runs) {
			double[] sorted = runs.clone();
			Arrays.sort(sorted);
			int n = sorted.length;
			double median = (n % 2 == 1) ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
			return new Stat(median, sorted[0], sorted[n - 1], runs);
		}

	}

	/**
	 * One scenario under one access pattern.
	 *
	 * @param throughput requests per second at saturation (closed loop)
	 * @param latency percentiles ({@code p50}, {@code p90}, {@code p99}, {@code p99.9})
	 * in microseconds at {@code offeredRate}, measured from each request's intended start
	 * @param hitRatio share of reads not sent to Postgres
	 * @param sqlPerRequest statements on the profiles table per request
	 * @param cpuSecondsPer1000 CPU seconds per 1,000 requests: {@code service},
	 * {@code redis}, {@code postgres} and {@code total} (the load generator excluded)
	 */
	record ScenarioResult(String scenario, String pattern, int connections, Stat throughput, double offeredRate,
			Map<String, Stat> latency, long requests, long writes, long errors, long unsent, @Nullable Double hitRatio,
			@Nullable Double sqlPerRequest, Map<String, Double> cpuSecondsPer1000) {
	}

	/**
	 * Bytes one cached profile takes in Redis.
	 *
	 * @param memoryUsage mean {@code MEMORY USAGE} of sampled entries (key, value and
	 * per-key overhead)
	 * @param usedMemoryPerEntry growth of {@code used_memory} on the masters per entry
	 * @param projected10MillionBytes {@code usedMemoryPerEntry} times 10 million: the
	 * masters' memory for 10 million profiles (replicas hold as much again)
	 */
	record EntryMemory(String format, int sampled, double memoryUsage, double valueBytes, int entries,
			double usedMemoryPerEntry, double projected10MillionBytes) {
	}

	record ConnectionScaling(String scenario, int connections, Stat throughput, Stat p99) {
	}

	/**
	 * @param p99 at {@code offeredRate}, from intended start times
	 * @param filled how the cache was filled
	 * @param fillSeconds how long filling took
	 */
	record SizeScaling(int profiles, Stat throughput, double offeredRate, Stat p99, @Nullable Double hitRatio,
			String filled, double fillSeconds) {
	}

	/**
	 * @param readySeconds from launching the JVM until {@code /readyz} answered 200
	 * @param startedSeconds what Spring Boot logged as its start time
	 * @param residentBytes RSS after warm-up and measurement
	 */
	record ServiceFootprint(String scenario, double readySeconds, double startedSeconds, long residentBytes) {
	}

	record Target(String name, double value, String goal, boolean met) {
	}

}
