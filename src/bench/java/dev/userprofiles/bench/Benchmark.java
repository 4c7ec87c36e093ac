package dev.userprofiles.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.sun.management.OperatingSystemMXBean;
import dev.userprofiles.bench.BenchProfiles.StatementCounts;
import dev.userprofiles.bench.BenchResults.ConnectionScaling;
import dev.userprofiles.bench.BenchResults.EntryMemory;
import dev.userprofiles.bench.BenchResults.Machine;
import dev.userprofiles.bench.BenchResults.ScenarioResult;
import dev.userprofiles.bench.BenchResults.ServiceFootprint;
import dev.userprofiles.bench.BenchResults.SizeScaling;
import dev.userprofiles.bench.BenchResults.Stat;
import dev.userprofiles.bench.BenchResults.Target;
import dev.userprofiles.bench.service.BootDefaultCaching;
import dev.userprofiles.bench.service.PreloadedMap;
import dev.userprofiles.cache.ShippedCacheSettings;
import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.TestCredentials;
import dev.userprofiles.infra.TestInfrastructure;
import dev.userprofiles.profile.ProfileCache;
import io.lettuce.core.internal.HostAndPort;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.jspecify.annotations.Nullable;

import org.springframework.util.FileSystemUtils;

/**
 * The performance benchmark: the service as shipped ("ours") against the same service
 * without a cache, with Spring Boot's default Redis cache ("textbook"), and with an
 * in-process map ("floor"), all started from the packaged jar on the same Redis Cluster
 * and Postgres, which the test infrastructure starts. This JVM is the load generator;
 * each service is a process of its own.
 * <p>
 * Repetitions are interleaved across the scenarios (ours, no cache, textbook, floor; then
 * no cache, textbook, floor, ours; ...), so a machine that gets slower during the run
 * slows every scenario alike, and every comparison is a ratio of medians from one run.
 * <p>
 * {@code ./bench/run.sh} builds the jar and runs {@link #command};
 * {@code BenchmarkSmokeIT} runs {@link BenchSettings#smoke()} in {@code ./mvnw verify}.
 */
public final class Benchmark {

	/** Heap of the k8s deployment: 75 % (MaxRAMPercentage) of its 768 MiB limit. */
	private static final List<String> SERVICE_JVM_OPTIONS = List.of("-Xmx576m", "-XX:+ExitOnOutOfMemoryError");

	/** Where each service writes a flight recording (a CPU profile), if anywhere. */
	private static final @Nullable String JFR_DIRECTORY = System.getProperty("bench.jfr");

	/** Services' logs and classpath additions: not results, never committed. */
	private static final Path WORK = Path.of("target", "bench");

	/**
	 * The users cache's TTL and jitter as shipped: ours's entries are written with them.
	 */
	private static final Duration OURS_TTL = ShippedCacheSettings.ttl(ProfileCache.NAME);

	private static final double OURS_TTL_JITTER = ShippedCacheSettings.ttlJitter();

	private static final String[] PERCENTILES = { "p50", "p90", "p99", "p99.9" };

	private static final double[] PERCENTILE_VALUES = { 50, 90, 99, 99.9 };

	private final BenchSettings settings;

	private final Path jar;

	private final Path java;

	private final Path output;

	private final TestInfrastructure infrastructure;

	private final BenchProfiles database;

	private final BenchRedis redis;

	private final Map<Scenario, ServiceProcess> services = new EnumMap<>(Scenario.class);

	private final Map<String, Tally> tallies = new LinkedHashMap<>();

	private boolean closed;

	private boolean serviceClasspathReady;

	private Benchmark(BenchSettings settings, Path jar, Path java, Path output) {
		this.settings = settings;
		this.jar = jar;
		this.java = java;
		this.output = output;
		this.infrastructure = TestInfrastructure.get();
		// A superuser: the benchmark enables and resets pg_stat_statements.
		this.database = new BenchProfiles(this.infrastructure.jdbcUrl(), this.infrastructure.superuser(),
				this.infrastructure.superuserPassword());
		this.redis = new BenchRedis(this.infrastructure.redisNodes());
	}

	/**
	 * {@code ./bench/run.sh [--smoke]} (through {@code bench/BenchmarkCommand.java}):
	 * runs the benchmark, writes {@code results.json}, {@code results.md} and
	 * {@code results.png}, and exits.
	 */
	public static void command(String[] args) throws IOException {
		if (args.length > 0 && Levers.isLever(args[0])) {
			Levers.command(args);
			return;
		}
		boolean smoke = List.of(args).contains("--smoke");
		Path output = Path.of(System.getProperty("bench.output",
				smoke ? "target/bench-smoke" : BenchSettings.defaultOutput().toString()));
		BenchResults results = run(smoke ? BenchSettings.smoke() : BenchSettings.full(), output);
		System.out.println(Files.readString(output.resolve("results.md")));
		// Stops the infrastructure through the shutdown hook.
		System.exit(results.scenarios().stream().allMatch((scenario) -> scenario.errors() == 0) ? 0 : 1);
	}

	/** Runs the benchmark with the jar in {@code target/} and writes its report. */
	static BenchResults run(BenchSettings settings, Path output) throws IOException {
		Benchmark benchmark = new Benchmark(settings, packagedJar(), serviceJava(), output);
		// At exit (Ctrl-C too): the services, then the infrastructure. No Spring
		// application runs in this JVM to stop the infrastructure otherwise.
		Runtime.getRuntime().addShutdownHook(new Thread(benchmark::close, "bench-shutdown"));
		BenchResults results;
		try {
			results = benchmark.run();
		}
		finally {
			benchmark.stopServices();
		}
		BenchReport.write(results, output);
		return results;
	}

	private BenchResults run() throws IOException {
		long start = System.nanoTime();
		Instant startedAt = Instant.now();
		FileSystemUtils.deleteRecursively(this.output);
		Files.createDirectories(this.output);
		log("Loading " + this.settings.profiles() + " profiles");
		this.database.migrate();
		this.database.ensure(this.settings.profiles());
		this.redis.flushAll();
		for (Scenario scenario : Scenario.SERVICES) {
			log("Starting the service: " + scenario);
			this.services.put(scenario, startService(scenario));
		}

		// Caches start full: floor's map filled by the service as it starts, ours and
		// textbook written by this process, each entry as that service stores it (its
		// encoding, key and TTL), and checked against the database through the service:
		// reading 100,000 profiles through a service took about two minutes here, a
		// million twenty, and the whole run must stay under 15. Then each service gets a
		// JIT warm-up from reads: on 2 shared cores a service needs a minute or two of
		// load to reach its steady throughput. Ours is written last: its entries live 5
		// to 5.5 minutes (as shipped), and the main measurements run within that time.
		List<EntryMemory> memory = new ArrayList<>();
		Map<Scenario, Double> fillSeconds = new EnumMap<>(Scenario.class);
		for (Scenario scenario : List.of(Scenario.FLOOR, Scenario.TEXTBOOK, Scenario.NO_CACHE, Scenario.OURS)) {
			String keyPrefix = scenario.keyPrefix();
			if (keyPrefix != null) {
				long usedBefore = this.redis.usedMemory();
				fillSeconds.put(scenario, write(scenario, this.settings.profiles()));
				memory.add(entryMemory((scenario == Scenario.OURS)
						? ShippedCacheSettings.format(ProfileCache.NAME) + " (ours)" : "jdk (textbook)", keyPrefix,
						usedBefore, this.settings.profiles()));
			}
			if (scenario != Scenario.NO_CACHE) {
				requireSameAsDatabase(scenario);
			}
			log("Warming up " + scenario + " (reads for " + this.settings.serviceWarmup().toSeconds() + " s)");
			generator(scenario, patterns().get(0), 0).closedLoop(this.settings.connections(),
					this.settings.serviceWarmup());
		}
		Collections.reverse(memory);

		List<ScenarioResult> results = new ArrayList<>();
		Map<String, List<double[]>> curves = new LinkedHashMap<>();
		for (IdSampler pattern : patterns()) {
			results.addAll(measureScenarios(Scenario.SERVICES, pattern, 0, curves));
		}
		// Before any write: the 1M point fills the cache with the rows as loaded.
		List<SizeScaling> sizeScaling = sizeScaling(results, fillSeconds.get(Scenario.OURS));
		// Writes run code that reads never did: give the JIT the time the fills gave
		// reads.
		log("mixed: warm-up of writes (" + this.settings.mixedWarmup().toSeconds() + " s)");
		generator(Scenario.MIXED, patterns().get(0), this.settings.writeShare()).closedLoop(this.settings.connections(),
				this.settings.mixedWarmup());
		for (IdSampler pattern : patterns()) {
			results.addAll(measureScenarios(List.of(Scenario.MIXED), pattern, this.settings.writeShare(), curves));
		}
		List<ConnectionScaling> connectionScaling = connectionScaling();
		List<Target> writeLatency = writeLatencyWithThreeMembers();

		List<ServiceFootprint> footprints = new ArrayList<>();
		for (Scenario scenario : Scenario.SERVICES) {
			ServiceProcess service = this.services.get(scenario);
			footprints.add(new ServiceFootprint(scenario.label(), service.readySeconds(), service.startedSeconds(),
					service.residentBytes()));
		}
		for (Scenario scenario : List.of(Scenario.NO_CACHE, Scenario.TEXTBOOK, Scenario.FLOOR)) {
			this.services.remove(scenario).close();
		}
		this.services.remove(Scenario.OURS).close();
		memory.add(jsonEntryMemory());

		log("Serializer microbenchmarks (JMH)");
		List<SerializerBenchmarks.Measurement> serializers = SerializerBenchmarks.run(this.settings.quickSerializers());
		List<Target> targets = targets(results, memory);
		targets.addAll(writeLatency);
		return new BenchResults(machine(), this.settings, startedAt.toString(), (System.nanoTime() - start) / 1e9,
				results, curves, memory, serializers, connectionScaling, sizeScaling, footprints, targets);
	}

	/**
	 * Measures the scenarios under one access pattern: a warm-up each, then closed-loop
	 * repetitions and fixed-rate repetitions, each round in a rotated order.
	 */
	private List<ScenarioResult> measureScenarios(List<Scenario> scenarios, IdSampler pattern, double writeShare,
			Map<String, List<double[]>> curves) {
		int connections = this.settings.connections();
		Map<Scenario, List<Double>> throughputs = new LinkedHashMap<>();
		Map<Scenario, List<Histogram>> latencies = new LinkedHashMap<>();
		for (Scenario scenario : scenarios) {
			log(scenario + ", " + pattern.name() + ": warm-up");
			generator(scenario, pattern, writeShare).closedLoop(connections, this.settings.warmup());
			throughputs.put(scenario, new ArrayList<>());
			latencies.put(scenario, new ArrayList<>());
			this.tallies.put(key(scenario.label(), pattern), new Tally());
		}
		// One round more than measured, discarded: the first round after a switch of
		// pattern was each scenario's slowest (JIT, pools, local levels filling).
		for (Scenario scenario : scenarios) {
			generator(scenario, pattern, writeShare).closedLoop(connections, this.settings.run());
		}
		for (int repetition = 0; repetition < this.settings.repetitions(); repetition++) {
			for (Scenario scenario : rotated(scenarios, repetition)) {
				LoadGenerator.Run run = measured(scenario, pattern,
						() -> generator(scenario, pattern, writeShare).closedLoop(connections, this.settings.run()));
				log(String.format("%s, %s: %.0f requests/s closed loop", scenario, pattern.name(), run.throughput()));
				throughputs.get(scenario).add(run.throughput());
			}
		}
		for (int repetition = 0; repetition < this.settings.repetitions(); repetition++) {
			for (Scenario scenario : rotated(scenarios, repetition)) {
				LoadGenerator.Run run = measured(scenario, pattern, () -> generator(scenario, pattern, writeShare)
					.fixedRate(connections, this.settings.offeredRate(), this.settings.run()));
				log(String.format("%s, %s: p99 %d us at %.0f requests/s", scenario, pattern.name(),
						run.latency().getValueAtPercentile(99), this.settings.offeredRate()));
				latencies.get(scenario).add(run.latency());
			}
		}
		List<ScenarioResult> results = new ArrayList<>();
		for (Scenario scenario : scenarios) {
			Tally tally = this.tallies.get(key(scenario.label(), pattern));
			Map<String, Stat> latency = new LinkedHashMap<>();
			for (int i = 0; i < PERCENTILES.length; i++) {
				double percentile = PERCENTILE_VALUES[i];
				latency.put(PERCENTILES[i],
						Stat.of(latencies.get(scenario)
							.stream()
							.mapToDouble((histogram) -> histogram.getValueAtPercentile(percentile))
							.toArray()));
			}
			Histogram merged = new Histogram(60_000_000, 3);
			latencies.get(scenario).forEach(merged::add);
			curves.put(scenario.label() + ", " + pattern.name(), percentileCurve(merged));
			results.add(new ScenarioResult(scenario.label(), pattern.name(), connections,
					Stat.of(throughputs.get(scenario).stream().mapToDouble(Double::doubleValue).toArray()),
					this.settings.offeredRate(), latency, tally.requests, tally.writes, tally.errors, tally.unsent,
					tally.hitRatio(), tally.sqlPerRequest(), tally.cpuPer1000()));
		}
		return results;
	}

	/**
	 * PUT latency of ours alone, then while two more instances of it share the
	 * invalidation bus, so every write waits until both have dropped the key from their
	 * local level. Uniform ids at a low fixed rate: the writes measured, not row locks of
	 * hot profiles.
	 */
	private List<Target> writeLatencyWithThreeMembers() {
		IdSampler uniform = IdSampler.uniform(this.settings.profiles());
		double rate = Math.min(100, this.settings.offeredRate());
		Duration measured = this.settings.run().multipliedBy(this.settings.repetitions());
		double[] alone = putLatency(uniform, rate, measured, "alone");
		List<ServiceProcess> members = new ArrayList<>();
		try {
			for (int i = 1; i <= 2; i++) {
				log("Starting member " + i + " of ours for the write latency");
				members.add(ServiceProcess.start("ours-member-" + i, this.java, this.jar,
						jvmOptions("ours-member-" + i), null, serviceProperties(), WORK.resolve("logs")));
			}
			// The members' listeners warm up as writes arrive.
			new LoadGenerator(this.services.get(Scenario.OURS).port(), uniform, 1.0).fixedRate(2, rate,
					this.settings.serviceWarmup().dividedBy(4));
			double[] three = putLatency(uniform, rate, measured, "with three members");
			return List.of(
					new Target(String.format(Locale.ROOT, "ours PUT p99, 3 instances, %.0f requests/s, ms (p50 %.2f)",
							rate, three[0]), three[1], "<= 10", three[1] <= 10),
					new Target(String.format(Locale.ROOT,
							"ours PUT p99, 3 instances / 1 instance (alone: p50 %.2f, p99 %.2f ms)", alone[0],
							alone[1]), three[1] / alone[1], "(reported)", true));
		}
		finally {
			members.forEach(ServiceProcess::close);
		}
	}

	/** p50 and p99 in milliseconds of PUTs to ours at a fixed rate. */
	private double[] putLatency(IdSampler ids, double rate, Duration measured, String label) {
		new LoadGenerator(this.services.get(Scenario.OURS).port(), ids, 1.0).fixedRate(2, rate, this.settings.warmup());
		LoadGenerator.Run run = new LoadGenerator(this.services.get(Scenario.OURS).port(), ids, 1.0).fixedRate(2, rate,
				measured);
		requireNoErrors("ours, PUT " + label, run);
		double p50 = run.latency().getValueAtPercentile(50) / 1000.0;
		double p99 = run.latency().getValueAtPercentile(99) / 1000.0;
		log(String.format("ours, PUT %s at %.0f requests/s: p50 %.2f ms, p99 %.2f ms", label, rate, p50, p99));
		return new double[] { p50, p99 };
	}

	/** Throughput and closed-loop p99 of ours at each connection count. */
	private List<ConnectionScaling> connectionScaling() {
		IdSampler zipf = IdSampler.zipf(this.settings.profiles(), this.settings.zipfExponent());
		List<Scenario> scenarios = List.of(Scenario.OURS);
		Map<String, List<double[]>> runs = new LinkedHashMap<>();
		for (int connections : this.settings.connectionCounts()) {
			for (Scenario scenario : scenarios) {
				generator(scenario, zipf, 0).closedLoop(connections, this.settings.scalingRun());
			}
			for (int repetition = 0; repetition < this.settings.repetitions(); repetition++) {
				for (Scenario scenario : rotated(scenarios, repetition)) {
					LoadGenerator.Run run = generator(scenario, zipf, 0).closedLoop(connections,
							this.settings.scalingRun());
					requireNoErrors(scenario + " at " + connections + " connections", run);
					log(String.format("%s, %d connections: %.0f requests/s, p99 %d us", scenario, connections,
							run.throughput(), run.latency().getValueAtPercentile(99)));
					runs.computeIfAbsent(scenario + "/" + connections, (key) -> new ArrayList<>())
						.add(new double[] { run.throughput(), run.latency().getValueAtPercentile(99) });
				}
			}
		}
		List<ConnectionScaling> results = new ArrayList<>();
		for (Scenario scenario : scenarios) {
			for (int connections : this.settings.connectionCounts()) {
				List<double[]> measured = runs.get(scenario + "/" + connections);
				results.add(new ConnectionScaling(scenario.label(), connections,
						Stat.of(measured.stream().mapToDouble((run) -> run[0]).toArray()),
						Stat.of(measured.stream().mapToDouble((run) -> run[1]).toArray())));
			}
		}
		return results;
	}

	/**
	 * Ours at each profile count: Zipf closed-loop throughput and fixed-rate p99, with
	 * the cache holding every profile. The main count reuses the scenario results; a
	 * smaller count reads a subset of the filled cache; a larger one is filled by this
	 * process, which writes what the service would (its protobuf encoding, key and TTL)
	 * because reading a million profiles through the service takes longer than the whole
	 * benchmark may.
	 */
	private List<SizeScaling> sizeScaling(List<ScenarioResult> results, double mainFillSeconds) {
		List<SizeScaling> scaling = new ArrayList<>();
		for (int profiles : this.settings.sizes()) {
			if (profiles == this.settings.profiles()) {
				ScenarioResult main = find(results, Scenario.OURS, "zipf");
				scaling.add(new SizeScaling(profiles, main.throughput(), main.offeredRate(), main.latency().get("p99"),
						main.hitRatio(), "written by the benchmark", mainFillSeconds));
				continue;
			}
			String filled = "subset of the main fill";
			double fillSeconds = 0;
			if (profiles > this.settings.profiles()) {
				log("Loading " + profiles + " profiles");
				this.database.ensure(profiles);
				fillSeconds = write(Scenario.OURS, profiles);
				filled = "written by the benchmark";
			}
			IdSampler zipf = IdSampler.zipf(profiles, this.settings.zipfExponent());
			String scenario = Scenario.OURS.label() + " (" + profiles + ")";
			this.tallies.put(key(scenario, zipf), new Tally());
			generator(Scenario.OURS, zipf, 0).closedLoop(this.settings.connections(), this.settings.warmup());
			List<Double> throughput = new ArrayList<>();
			List<Double> p99 = new ArrayList<>();
			for (int repetition = 0; repetition < this.settings.repetitions(); repetition++) {
				throughput.add(measured(Scenario.OURS, scenario, zipf, () -> generator(Scenario.OURS, zipf, 0)
					.closedLoop(this.settings.connections(), this.settings.run())).throughput());
			}
			for (int repetition = 0; repetition < this.settings.repetitions(); repetition++) {
				p99.add((double) measured(Scenario.OURS, scenario, zipf, () -> generator(Scenario.OURS, zipf, 0)
					.fixedRate(this.settings.connections(), this.settings.offeredRate(), this.settings.run())).latency()
					.getValueAtPercentile(99));
			}
			log(String.format("Ours with %d profiles: %.0f requests/s, p99 %.0f us", profiles,
					Stat.of(toArray(throughput)).median(), Stat.of(toArray(p99)).median()));
			scaling.add(new SizeScaling(profiles, Stat.of(toArray(throughput)), this.settings.offeredRate(),
					Stat.of(toArray(p99)), this.tallies.get(key(scenario, zipf)).hitRatio(), filled, fillSeconds));
		}
		return scaling;
	}

	/**
	 * Writes profiles {@code 1..profiles} into the cache of ours or textbook as that
	 * service stores them; returns the seconds it took.
	 */
	private double write(Scenario scenario, int profiles) {
		log("Writing " + profiles + " cache entries of " + scenario);
		long start = System.nanoTime();
		String keyPrefix = Objects.requireNonNull(scenario.keyPrefix(), scenario + " has no cache in Redis");
		if (scenario == Scenario.OURS) {
			this.redis.fill(profiles, (i) -> keyPrefix + (i + 1), (i) -> SerializerBenchmarks
				.encode(ShippedCacheSettings.format(ProfileCache.NAME), SerializerBenchmarks.sampleProfile(i + 1)),
					OURS_TTL, OURS_TTL_JITTER);
		}
		else {
			// Boot's default: JDK serialization, no TTL
			this.redis.fill(profiles, (i) -> keyPrefix + (i + 1),
					(i) -> SerializerBenchmarks.encode("jdk", SerializerBenchmarks.sampleProfile(i + 1)), null, 0);
		}
		return (System.nanoTime() - start) / 1e9;
	}

	/**
	 * The written entries are what the service would have read from the database: the
	 * same body from the service as from no cache, for a sample of ids.
	 */
	private void requireSameAsDatabase(Scenario scenario) {
		ApiClient http = new ApiClient();
		for (int i = 0; i < 20; i++) {
			long id = 1 + (long) i * this.settings.profiles() / 20;
			ApiClient.Response cached = http.get(url(scenario, id));
			ApiClient.Response database = http.get(url(Scenario.NO_CACHE, id));
			if (cached.status() != 200 || !cached.body().equals(database.body())) {
				throw new IllegalStateException(
						scenario + " answered GET /users/" + id + " with " + cached.status() + " " + cached.body()
								+ " from the entry the benchmark wrote, but the database holds " + database.body());
			}
		}
	}

	private String url(Scenario scenario, long id) {
		return "http://127.0.0.1:" + this.services.get(scenario).port() + "/users/" + id;
	}

	/**
	 * Typed JSON entries, the service's other value format: written by this process with
	 * the service's JSON serializer under another key prefix (a service of their own
	 * would take longer to start than this takes).
	 */
	private EntryMemory jsonEntryMemory() {
		int entries = Math.min(this.settings.profiles(), 10 * this.settings.memorySample());
		long usedBefore = this.redis.usedMemory();
		this.redis.fill(entries, (i) -> "json:users::" + (i + 1),
				(i) -> SerializerBenchmarks.encode("json", SerializerBenchmarks.sampleProfile(i + 1)), OURS_TTL,
				OURS_TTL_JITTER);
		return entryMemory("json", "json:users::", usedBefore, entries);
	}

	private EntryMemory entryMemory(String format, String keyPrefix, long usedBefore, int entries) {
		long usedAfter = this.redis.usedMemory();
		int sample = Math.min(entries, this.settings.memorySample());
		List<String> keys = IntStream.rangeClosed(1, sample)
			.mapToObj((i) -> keyPrefix + (1 + (long) (i - 1) * entries / sample))
			.toList();
		BenchRedis.EntrySize size = this.redis.entrySize(keys);
		if (size.sampled() < sample) {
			throw new IllegalStateException(
					format + ": only " + size.sampled() + " of " + sample + " sampled keys " + keyPrefix + "* exist");
		}
		double perEntry = (double) (usedAfter - usedBefore) / entries;
		return new EntryMemory(format, size.sampled(), size.memoryUsage(), size.valueBytes(), entries, perEntry,
				perEntry * 10_000_000);
	}

	private List<Target> targets(List<ScenarioResult> results, List<EntryMemory> memory) {
		List<Target> targets = new ArrayList<>();
		for (String pattern : List.of("zipf", "uniform")) {
			ScenarioResult ours = find(results, Scenario.OURS, pattern);
			ScenarioResult noCache = find(results, Scenario.NO_CACHE, pattern);
			ScenarioResult textbook = find(results, Scenario.TEXTBOOK, pattern);
			ScenarioResult floor = find(results, Scenario.FLOOR, pattern);
			targets.add(ratio("ours / no cache throughput, " + pattern, ours.throughput().median(),
					noCache.throughput().median(), ">= 3", true, 3));
			targets.add(ratio("ours / no cache p99 at " + (int) ours.offeredRate() + " requests/s, " + pattern,
					ours.latency().get("p99").median(), noCache.latency().get("p99").median(), "<= 0.5", false, 0.5));
			targets.add(ratio("ours / textbook throughput, " + pattern, ours.throughput().median(),
					textbook.throughput().median(), ">= 1.5", true, 1.5));
			targets.add(ratio("ours / floor throughput, " + pattern, ours.throughput().median(),
					floor.throughput().median(), ">= 0.9", true, 0.9));
			ScenarioResult mixed = find(results, Scenario.MIXED, pattern);
			if (mixed.hitRatio() != null) {
				targets.add(ratio("mixed 95:5, database loads per read, " + pattern, 1 - mixed.hitRatio(), 1, "<= 0.01",
						false, 0.01));
			}
		}
		EntryMemory protobuf = memory.get(0);
		EntryMemory jdk = memory.get(1);
		targets.add(ratio("protobuf / jdk bytes per entry (MEMORY USAGE)", protobuf.memoryUsage(), jdk.memoryUsage(),
				"<= 0.5", false, 0.5));
		targets.add(ratio("protobuf / jdk value bytes", protobuf.valueBytes(), jdk.valueBytes(), "<= 0.5", false, 0.5));
		return targets;
	}

	private static Target ratio(String name, double value, double base, String goal, boolean atLeast, double limit) {
		double ratio = value / base;
		return new Target(name, ratio, goal, atLeast ? ratio >= limit : ratio <= limit);
	}

	private static ScenarioResult find(List<ScenarioResult> results, Scenario scenario, String pattern) {
		return results.stream()
			.filter((result) -> result.scenario().equals(scenario.label()) && result.pattern().equals(pattern))
			.findFirst()
			.orElseThrow();
	}

	/** Runs a load, adding its requests, CPU and SQL to the scenario's tally. */
	private LoadGenerator.Run measured(Scenario scenario, IdSampler pattern, Supplier<LoadGenerator.Run> load) {
		return measured(scenario, scenario.label(), pattern, load);
	}

	private LoadGenerator.Run measured(Scenario service, String scenario, IdSampler pattern,
			Supplier<LoadGenerator.Run> load) {
		ServiceProcess process = this.services.get(service.service());
		List<ProcessHandle> redis = serverProcesses("redis");
		List<ProcessHandle> postgres = serverProcesses("postgres");
		StatementCounts statementsBefore = this.database.statements();
		double serviceBefore = process.cpuSeconds();
		double redisBefore = CpuTime.of(redis);
		double postgresBefore = CpuTime.of(postgres);
		LoadGenerator.Run run = load.get();
		double serviceCpu = process.cpuSeconds() - serviceBefore;
		double redisCpu = CpuTime.of(redis) - redisBefore;
		double postgresCpu = CpuTime.of(postgres) - postgresBefore;
		StatementCounts statements = this.database.statements().minus(statementsBefore);
		requireNoErrors(scenario + ", " + pattern.name(), run);
		this.tallies.get(key(scenario, pattern)).add(run, statements, serviceCpu, redisCpu, postgresCpu);
		return run;
	}

	/** Server processes whose command contains {@code name}; none in containers. */
	private List<ProcessHandle> serverProcesses(String name) {
		return this.infrastructure.serverProcesses()
			.stream()
			.filter((process) -> process.info().command().orElse("").contains(name))
			.toList();
	}

	private LoadGenerator generator(Scenario scenario, IdSampler pattern, double writeShare) {
		ServiceProcess service = this.services.get(scenario.service());
		return new LoadGenerator(service.port(), pattern, writeShare);
	}

	private ServiceProcess startService(Scenario scenario) {
		String name = scenario.label().replace(' ', '-');
		return ServiceProcess.start(name, this.java, this.jar, jvmOptions(name),
				scenario.needsBenchClasses() ? serviceClasspath() : null,
				serviceProperties(scenario.properties().toArray(String[]::new)), WORK.resolve("logs"));
	}

	static List<String> jvmOptions(String service) {
		if (JFR_DIRECTORY == null) {
			return SERVICE_JVM_OPTIONS;
		}
		List<String> options = new ArrayList<>(SERVICE_JVM_OPTIONS);
		options.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
				+ Path.of(JFR_DIRECTORY).toAbsolutePath().resolve(service + ".jfr"));
		return options;
	}

	private List<String> serviceProperties(String... extra) {
		return serviceProperties(this.infrastructure, this.infrastructure.redisNodes(), extra);
	}

	/**
	 * The properties of a service of the jar on the infrastructure's database and the
	 * given Redis Cluster, as its deployment user, and {@code extra}.
	 */
	static List<String> serviceProperties(TestInfrastructure infrastructure, List<HostAndPort> redisNodes,
			String... extra) {
		// Passwords from files, as a deployment gives them: never on a command line.
		List<String> properties = new ArrayList<>(List.of("spring.datasource.url=" + infrastructure.jdbcUrl(),
				"spring.datasource.username=" + TestCredentials.DATABASE_USER,
				"spring.flyway.user=" + TestCredentials.MIGRATION_USER,
				"profiles.cdc.username=" + TestCredentials.CHANGE_CAPTURE_USER,
				"spring.data.redis.username=" + TestCredentials.REDIS_USER, TestCredentials.get().configImport(),
				"spring.data.redis.cluster.nodes="
						+ redisNodes.stream().map(HostAndPort::toString).collect(Collectors.joining(","))));
		properties.addAll(List.of(extra));
		return properties;
	}

	/**
	 * A directory with the package of {@link BootDefaultCaching} and {@link PreloadedMap}
	 * alone: the test classes as a whole would bring the tests' configurations into the
	 * service.
	 */
	private synchronized Path serviceClasspath() {
		Path target = WORK.resolve("service-classpath");
		if (this.serviceClasspathReady) {
			return target;
		}
		try {
			Path testClasses = Path
				.of(BootDefaultCaching.class.getProtectionDomain().getCodeSource().getLocation().toURI());
			String packagePath = BootDefaultCaching.class.getPackageName().replace('.', '/');
			FileSystemUtils.deleteRecursively(target);
			Files.createDirectories(target.resolve(packagePath));
			try (Stream<Path> classes = Files.list(testClasses.resolve(packagePath))) {
				for (Path file : classes.toList()) {
					Files.copy(file, target.resolve(packagePath).resolve(file.getFileName().toString()));
				}
			}
			this.serviceClasspathReady = true;
			return target;
		}
		catch (IOException | URISyntaxException ex) {
			throw new IllegalStateException("Cannot put the benchmark's service configurations on a classpath", ex);
		}
	}

	private Machine machine() {
		OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
		String redisVersion = "";
		try {
			Process version = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
			redisVersion = new String(version.getInputStream().readAllBytes()).trim();
		}
		catch (IOException ex) {
			redisVersion = "unknown: " + ex.getMessage();
		}
		return new Machine(Runtime.getRuntime().availableProcessors(), os.getTotalMemorySize(),
				System.getProperty("os.name") + " " + System.getProperty("os.arch"), System.getProperty("os.version"),
				System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), javaVersion(this.java),
				String.join(" ", jvmOptions("<service>")), this.infrastructure.backend(), redisVersion);
	}

	private static String javaVersion(Path java) {
		try {
			Process version = new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start();
			return new String(version.getInputStream().readAllBytes()).lines().skip(1).findFirst().orElse("").trim();
		}
		catch (IOException ex) {
			return "unknown: " + ex.getMessage();
		}
	}

	/** The shipped image runs Java 25: the service does here too when it is installed. */
	static Path serviceJava() {
		String configured = System.getProperty("bench.java");
		if (configured != null) {
			return Path.of(configured);
		}
		try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
			return jvms.filter((jvm) -> jvm.getFileName().toString().startsWith("temurin-25"))
				.map((jvm) -> jvm.resolve("bin/java"))
				.filter(Files::isExecutable)
				.findFirst()
				.orElseGet(Benchmark::currentJava);
		}
		catch (IOException ex) {
			return currentJava();
		}
	}

	private static Path currentJava() {
		return Path.of(System.getProperty("java.home"), "bin", "java");
	}

	/** The jar {@code ./mvnw package} built ({@code -Dbench.jar} overrides). */
	public static Path packagedJar() throws IOException {
		String configured = System.getProperty("bench.jar");
		if (configured != null) {
			return Path.of(configured);
		}
		try (Stream<Path> files = Files.list(Path.of("target"))) {
			return files.filter((file) -> file.getFileName().toString().matches("user-profile-service-.*\\.jar"))
				.findFirst()
				.orElseThrow(() -> new IllegalStateException(
						"No target/user-profile-service-*.jar: run ./mvnw package (./bench/run.sh does)"));
		}
	}

	private List<IdSampler> patterns() {
		int profiles = this.settings.profiles();
		return List.of(IdSampler.zipf(profiles, this.settings.zipfExponent()), IdSampler.uniform(profiles));
	}

	private static List<Scenario> rotated(List<Scenario> scenarios, int by) {
		List<Scenario> rotated = new ArrayList<>(scenarios);
		Collections.rotate(rotated, -by);
		return rotated;
	}

	private static List<double[]> percentileCurve(Histogram histogram) {
		List<double[]> curve = new ArrayList<>();
		for (HistogramIterationValue value : histogram.percentiles(5)) {
			curve.add(new double[] { value.getPercentileLevelIteratedTo(), value.getValueIteratedTo() });
		}
		return curve;
	}

	private static void requireNoErrors(String what, LoadGenerator.Run run) {
		if (run.errors() > 0 || run.requests() == 0) {
			throw new IllegalStateException(what + ": " + run.errors() + " of " + run.requests()
					+ " requests failed; first: " + run.firstError());
		}
	}

	private static double[] toArray(List<Double> values) {
		return values.stream().mapToDouble(Double::doubleValue).toArray();
	}

	private static String key(String scenario, IdSampler pattern) {
		return scenario + "/" + pattern.name();
	}

	static void log(String message) {
		System.out.printf("[bench %tT] %s%n", Instant.now().atZone(ZoneOffset.UTC), message);
	}

	private synchronized void stopServices() {
		this.services.values().forEach(ServiceProcess::close);
		this.services.clear();
	}

	private synchronized void close() {
		stopServices();
		if (!this.closed) {
			this.closed = true;
			this.redis.close();
			this.infrastructure.close();
		}
	}

	/** Requests, SQL statements and CPU seconds of a scenario's measured runs. */
	private static final class Tally {

		long requests;

		long writes;

		long errors;

		long unsent;

		long statements;

		long readsById;

		double serviceCpu;

		double redisCpu;

		double postgresCpu;

		void add(LoadGenerator.Run run, StatementCounts sql, double service, double redis, double postgres) {
			this.requests += run.requests();
			this.writes += run.writes();
			this.errors += run.errors();
			this.unsent += run.unsent();
			this.statements += sql.all();
			this.readsById += sql.readsById();
			this.serviceCpu += service;
			this.redisCpu += redis;
			this.postgresCpu += postgres;
		}

		@Nullable Double hitRatio() {
			long reads = this.requests - this.writes;
			return (reads > 0) ? 1 - (double) this.readsById / reads : null;
		}

		@Nullable Double sqlPerRequest() {
			return (this.requests > 0) ? (double) this.statements / this.requests : null;
		}

		Map<String, Double> cpuPer1000() {
			Map<String, Double> cpu = new LinkedHashMap<>();
			double per = 1000.0 / this.requests;
			cpu.put("service", this.serviceCpu * per);
			cpu.put("redis", this.redisCpu * per);
			cpu.put("postgres", this.postgresCpu * per);
			cpu.put("total", (this.serviceCpu + this.redisCpu + this.postgresCpu) * per);
			return cpu;
		}

	}

}
