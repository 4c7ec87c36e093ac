/**
 * The entry point of ./bench/run.sh, started as a single source file (java BenchmarkCommand.java)
 * so that the test classes hold no second main class: ./mvnw spring-boot:test-run needs exactly one.
 */
public class BenchmarkCommand {

	public static void main(String[] args) throws Exception {
		dev.userprofiles.bench.Benchmark.command(args);
	}

}
