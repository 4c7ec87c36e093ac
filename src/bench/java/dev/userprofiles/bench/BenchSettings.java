package dev.userprofiles.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a benchmark run does. {@link #full} is the published benchmark, whose access
 * pattern, data size and offered rate are fixed; {@link #smoke} runs every step on tiny
 * data in seconds, so that {@code ./mvnw verify} proves the harness still works.
 *
 * @param profiles profiles loaded and cached for the scenarios
 * @param connections connections of the closed-loop and fixed-rate runs
 * @param offeredRate requests per second of the latency runs
 * @param warmup closed-loop run before each measurement series (JIT, pools)
 * @param run length of one measured repetition
 * @param repetitions measured repetitions of each run, interleaved across scenarios
 * @param zipfExponent {@code s} of the Zipf access pattern
 * @param writeShare share of writes in the mixed scenario
 * @param serviceWarmup reads that warm up each service
 * @param mixedWarmup reads and writes before the mixed measurements
 * @param connectionCounts connections of the scaling runs
 * @param scalingRun length of one repetition of a connection scaling run
 * @param sizes profile counts of the scaling runs
 * @param memorySample entries whose {@code MEMORY USAGE} is averaged
 * @param quickSerializers JMH in-process with one short iteration
 */
record BenchSettings(int profiles, int connections, double offeredRate, Duration warmup, Duration run, int repetitions,
		double zipfExponent, double writeShare, Duration serviceWarmup, Duration mixedWarmup,
		List<Integer> connectionCounts, Duration scalingRun, List<Integer> sizes, int memorySample,
		boolean quickSerializers) {

	static BenchSettings full() {
		return new BenchSettings(100_000, 32, 500, Duration.ofSeconds(3), Duration.ofSeconds(3), 3, 0.99, 0.05,
				Duration.ofSeconds(60), Duration.ofSeconds(15), List.of(1, 8, 32, 128), Duration.ofSeconds(2),
				List.of(10_000, 100_000, 1_000_000), 1000, false);
	}

	static BenchSettings smoke() {
		return new BenchSettings(300, 4, 100, Duration.ofMillis(300), Duration.ofMillis(700), 1, 0.99, 0.05,
				Duration.ofSeconds(1), Duration.ofMillis(300), List.of(1, 4), Duration.ofMillis(500),
				List.of(100, 300, 600), 50, true);
	}

	static Path defaultOutput() {
		return Path.of("bench", "results", "latest");
	}

}
