package dev.userprofiles.bench;

import java.util.List;

import dev.userprofiles.bench.SerializerBenchmarks.Measurement;
import dev.userprofiles.infra.WithoutInfrastructure;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The serializer benchmarks run under JMH and report every format and operation; which
 * format wins is for the benchmark to say, not for a test to assume.
 */
@WithoutInfrastructure
class SerializerBenchmarksTests {

	@Test
	void quickRunMeasuresEveryFormatAndOperation() {
		List<Measurement> measurements = SerializerBenchmarks.run(true);

		assertThat(measurements).extracting(Measurement::format, Measurement::operation)
			.containsExactly(tuple("protobuf", "encode"), tuple("protobuf", "decode"), tuple("json", "encode"),
					tuple("json", "decode"), tuple("jdk", "encode"), tuple("jdk", "decode"));
		assertThat(measurements).allSatisfy((measurement) -> {
			assertThat(measurement.nsPerOp()).isPositive();
			assertThat(measurement.bytes()).isPositive();
		});
	}

}
