package dev.userprofiles.bench;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The benchmark harness end to end on tiny data ({@link BenchSettings#smoke()}), against
 * the packaged jar: every scenario and measurement runs and the report is written. It
 * asserts that the harness works, never timings.
 */
class BenchmarkSmokeIT {

	@Test
	void everyStepRunsAndTheReportIsWritten() throws Exception {
		Path output = Path.of("target", "bench-smoke");
		BenchResults results = Benchmark.run(BenchSettings.smoke(), output);

		assertThat(results.scenarios())
			.extracting(BenchResults.ScenarioResult::scenario, BenchResults.ScenarioResult::pattern)
			.containsExactly(tuple("ours", "zipf"), tuple("no cache", "zipf"), tuple("textbook", "zipf"),
					tuple("floor", "zipf"), tuple("ours", "uniform"), tuple("no cache", "uniform"),
					tuple("textbook", "uniform"), tuple("floor", "uniform"), tuple("mixed", "zipf"),
					tuple("mixed", "uniform"));
		assertThat(results.scenarios()).allSatisfy((scenario) -> {
			assertThat(scenario.requests()).isPositive();
			assertThat(scenario.errors()).isZero();
			assertThat(scenario.throughput().median()).isPositive();
			assertThat(scenario.latency().get("p99").median()).isPositive();
			assertThat(scenario.cpuSecondsPer1000().get("service")).isPositive();
		});
		// The statement counts tell hits from misses: warm caches never read Postgres,
		// no cache always does, and mixed writes.
		assertThat(results.scenarios()).filteredOn((scenario) -> !scenario.scenario().equals("mixed"))
			.allSatisfy((scenario) -> assertThat(scenario.hitRatio())
				.isEqualTo(scenario.scenario().equals("no cache") ? 0.0 : 1.0));
		assertThat(results.scenarios()).filteredOn((scenario) -> scenario.scenario().equals("mixed"))
			.allSatisfy((scenario) -> {
				assertThat(scenario.writes()).isPositive();
				assertThat(scenario.sqlPerRequest()).isPositive();
			});
		assertThat(results.memory()).extracting(BenchResults.EntryMemory::format)
			.containsExactly("protobuf (ours)", "jdk (textbook)", "json");
		assertThat(results.memory()).allSatisfy((memory) -> assertThat(memory.memoryUsage()).isPositive());
		assertThat(results.serializers()).hasSize(6);
		assertThat(results.connectionScaling()).hasSize(2);
		// 600: entries written by the benchmark, which the service must read as its own
		assertThat(results.sizeScaling()).extracting(BenchResults.SizeScaling::profiles).containsExactly(100, 300, 600);
		assertThat(results.sizeScaling()).allSatisfy((size) -> assertThat(size.hitRatio()).isEqualTo(1.0));
		assertThat(results.services()).hasSize(4)
			.allSatisfy((service) -> assertThat(service.residentBytes()).isPositive());
		assertThat(results.targets()).isNotEmpty();
		// PUTs ran against ours alone and with two more members on the invalidation bus.
		assertThat(results.targets()).filteredOn((target) -> target.name().contains("PUT"))
			.hasSize(2)
			.allSatisfy((target) -> assertThat(target.value()).isPositive());

		JsonNode json = JsonMapper.builder().build().readTree(output.resolve("results.json").toFile());
		assertThat(json.get("scenarios")).hasSize(10);
		assertThat(Files.readString(output.resolve("results.md"))).contains("### Targets", "### Scenarios",
				"### Bytes per cached profile in Redis", "### Serializers");
		BufferedImage plot = ImageIO.read(output.resolve("results.png").toFile());
		assertThat(plot.getWidth()).isEqualTo(1800);
	}

}
