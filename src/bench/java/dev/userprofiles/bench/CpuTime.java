package dev.userprofiles.bench;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/** CPU time of processes and all their descendants (Postgres backends, say). */
final class CpuTime {

	private CpuTime() {
	}

	/** Seconds of CPU the processes and their living descendants have used. */
	static double of(List<ProcessHandle> processes) {
		return processes.stream()
			.flatMap((process) -> Stream.concat(Stream.of(process), process.descendants()))
			.map((process) -> process.info().totalCpuDuration().orElse(Duration.ZERO))
			.mapToLong(Duration::toNanos)
			.sum() / 1e9;
	}

}
