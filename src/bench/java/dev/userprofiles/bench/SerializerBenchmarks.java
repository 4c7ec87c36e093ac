package dev.userprofiles.bench;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.userprofiles.cache.ValueFormat;
import dev.userprofiles.profile.ProfileCache;
import dev.userprofiles.profile.UserProfile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import org.springframework.data.redis.serializer.JdkSerializationRedisSerializer;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * JMH microbenchmarks of what one cached profile costs to encode and decode, and how many
 * bytes it takes, in our two value formats and in the JDK serialization that Boot's
 * default Redis cache uses.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SerializerBenchmarks {

	/** The bio of every benchmark profile: a realistic sentence rather than a word. */
	public static final String SAMPLE_BIO = "Backend engineer. Likes caches that tell the truth, databases that keep it, and short on-call weeks.";

	private static final List<String> FORMATS = List.of("protobuf", "json", "jdk");

	private static final List<String> OPERATIONS = List.of("encode", "decode");

	/**
	 * Which serializer this run measures: one of {@code protobuf}, {@code json},
	 * {@code jdk}.
	 */
	@Param({ "protobuf", "json", "jdk" })
	public String format;

	private RedisSerializer<? super UserProfile> serializer;

	private UserProfile profile;

	private byte[] encoded;

	@Setup
	public void prepare() {
		this.serializer = serializer(this.format);
		this.profile = sampleProfile(42);
		this.encoded = this.serializer.serialize(this.profile);
		// Timing a decode that does not give back the profile would measure nothing
		// useful.
		if (!this.profile.equals(this.serializer.deserialize(this.encoded))) {
			throw new IllegalStateException(this.format + " does not round-trip the sample profile");
		}
	}

	@Benchmark
	public byte[] encode() {
		return this.serializer.serialize(this.profile);
	}

	@Benchmark
	public Object decode() {
		return this.serializer.deserialize(this.encoded);
	}

	/**
	 * The profile the benchmark stores for an id; the same values as the rows Benchmark
	 * loads into Postgres.
	 * @param id the profile's id
	 * @return the profile
	 */
	public static UserProfile sampleProfile(long id) {
		return new UserProfile(id, "user" + id, "user" + id + "@example.com", "User " + id, SAMPLE_BIO,
				"https://avatars.example.com/" + id + ".png", "en-GB", Instant.parse("2026-01-02T03:04:05.123456Z"),
				Instant.parse("2026-01-02T03:04:05.123456Z"), 1);
	}

	/**
	 * Runs the benchmarks with JMH, printing its usual console output as it goes.
	 * @param quick for a smoke test: in-process (forks 0), 1 warm-up and 1 measurement
	 * iteration of ~100 ms; otherwise forks 1, 1 warm-up iteration of 1 s, 3 measurement
	 * iterations of 1 s
	 * @return one measurement per format and operation, in the order protobuf, json, jdk
	 * and encode before decode
	 */
	public static List<Measurement> run(boolean quick) {
		// The GC profiler reports the bytes each operation allocates
		// (gc.alloc.rate.norm).
		ChainedOptionsBuilder options = new OptionsBuilder()
			.include("^" + Pattern.quote(SerializerBenchmarks.class.getName() + ".") + "\\w+$")
			.addProfiler(GCProfiler.class);
		if (quick) {
			options.forks(0)
				.warmupIterations(1)
				.warmupTime(TimeValue.milliseconds(100))
				.measurementIterations(1)
				.measurementTime(TimeValue.milliseconds(100));
		}
		else {
			// A fixed, pre-touched heap: while G1 grew its default heap, one fork's
			// protobuf iterations spread over 10x (160 to 4,400 ns) on a 2-CPU machine.
			options.forks(1)
				.jvmArgsAppend("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch")
				.warmupIterations(1)
				.warmupTime(TimeValue.seconds(1))
				.measurementIterations(3)
				.measurementTime(TimeValue.seconds(1));
		}
		try {
			return new Runner(options.build()).run()
				.stream()
				.map(SerializerBenchmarks::measurement)
				.sorted(Comparator.comparing((Measurement m) -> FORMATS.indexOf(m.format()))
					.thenComparing((m) -> OPERATIONS.indexOf(m.operation())))
				.toList();
		}
		catch (RunnerException ex) {
			throw new IllegalStateException("JMH could not run the serializer benchmarks", ex);
		}
	}

	private static Measurement measurement(RunResult result) {
		String benchmark = result.getParams().getBenchmark();
		String format = result.getParams().getParam("format");
		Result<?> primary = result.getPrimaryResult();
		double allocated = result.getSecondaryResults()
			.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().endsWith("gc.alloc.rate.norm"))
			.mapToDouble((entry) -> entry.getValue().getScore())
			.findFirst()
			.orElse(Double.NaN);
		return new Measurement(format, benchmark.substring(benchmark.lastIndexOf('.') + 1), primary.getScore(),
				primary.getScoreError(), serializer(format).serialize(sampleProfile(42)).length, allocated);
	}

	/**
	 * Encodes a profile as the service's cache stores it in {@code format}
	 * ({@code protobuf}, {@code json} or {@code jdk}).
	 * @param format the value format
	 * @param profile the profile
	 * @return the bytes
	 */
	public static byte[] encode(String format, UserProfile profile) {
		return serializer(format).serialize(profile);
	}

	private static RedisSerializer<? super UserProfile> serializer(String format) {
		return switch (format) {
			case "protobuf" -> new ProfileCache().serializer(ValueFormat.PROTOBUF);
			case "json" -> new ProfileCache().serializer(ValueFormat.JSON);
			// What Boot's default RedisCacheConfiguration stores values with.
			case "jdk" -> new JdkSerializationRedisSerializer();
			default -> throw new IllegalArgumentException("Unknown format: " + format);
		};
	}

	/**
	 * What JMH measured for one format and operation.
	 *
	 * @param format {@code protobuf}, {@code json} or {@code jdk}
	 * @param operation {@code encode} or {@code decode}
	 * @param nsPerOp average time of one operation in nanoseconds
	 * @param errorNs half-width of the 99.9% confidence interval in nanoseconds, NaN when
	 * there were too few iterations to compute one
	 * @param bytes encoded size of {@code sampleProfile(42)} in this format
	 * @param allocatedBytesPerOp bytes allocated by one operation (JMH's GC profiler),
	 * NaN when it reported none
	 */
	public record Measurement(String format, String operation, double nsPerOp, double errorNs, int bytes,
			double allocatedBytesPerOp) {

	}

}
