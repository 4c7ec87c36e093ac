package dev.userprofiles.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;

import dev.userprofiles.bench.BenchResults.ConnectionScaling;
import dev.userprofiles.bench.BenchResults.EntryMemory;
import dev.userprofiles.bench.BenchResults.ScenarioResult;
import dev.userprofiles.bench.BenchResults.ServiceFootprint;
import dev.userprofiles.bench.BenchResults.SizeScaling;
import dev.userprofiles.bench.BenchResults.Stat;
import dev.userprofiles.bench.BenchResults.Target;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a run's {@code results.json} (everything), {@code results.md} (the tables) and
 * {@code results.png} (latency percentiles, throughput, scaling).
 */
final class BenchReport {

	private static final Map<String, Color> COLORS = Map.of(Scenario.OURS.label(), new Color(0x1f77b4),
			Scenario.NO_CACHE.label(), new Color(0xd62728), Scenario.TEXTBOOK.label(), new Color(0xff7f0e),
			Scenario.FLOOR.label(), new Color(0x2ca02c), Scenario.MIXED.label(), new Color(0x9467bd));

	private BenchReport() {
	}

	static void write(BenchResults results, Path directory) throws IOException {
		Files.createDirectories(directory);
		JsonMapper.builder()
			.enable(SerializationFeature.INDENT_OUTPUT)
			.build()
			.writeValue(directory.resolve("results.json").toFile(), results);
		Files.writeString(directory.resolve("results.md"), markdown(results));
		ImageIO.write(plot(results), "png", directory.resolve("results.png").toFile());
	}

	static String markdown(BenchResults results) {
		StringBuilder md = new StringBuilder();
		BenchResults.Machine machine = results.machine();
		BenchSettings settings = results.settings();
		md.append(String.format(Locale.ROOT,
				"Run of %s, %.0f s. %d CPUs, %.0f GiB, %s %s; service on %s (%s); "
						+ "load generator on %s; Redis %s; infrastructure: %s.%n%n",
				results.startedAt(), results.durationSeconds(), machine.cpus(),
				machine.memoryBytes() / (double) (1L << 30), machine.os(), machine.kernel(), machine.serviceJava(),
				machine.serviceJvmOptions(), machine.harnessJava(),
				machine.redisVersion().replaceAll(".*v=(\\S+).*", "$1"), machine.infrastructure()));
		md.append(String.format(Locale.ROOT,
				"%,d profiles; Zipf s = %.2f and uniform ids; %d connections; latency at %.0f requests/s from "
						+ "intended start times; %d repetitions of %.1f s, interleaved across scenarios: "
						+ "median (min to max).%n%n",
				settings.profiles(), settings.zipfExponent(), settings.connections(), settings.offeredRate(),
				settings.repetitions(), settings.run().toMillis() / 1000.0));

		md.append(
				"### Targets (ratios of medians from this run)\n\n| Target | Measured | Goal | Met |\n|---|---:|---|---|\n");
		for (Target target : results.targets()) {
			md.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %s |%n", target.name(), target.value(),
					target.goal(), target.met() ? "yes" : "**no**"));
		}

		md.append("\n### Scenarios\n\n| Scenario | Ids | Throughput (requests/s) | p50 (ms) | p90 (ms) | p99 (ms) "
				+ "| p99.9 (ms) | Hit ratio | SQL / request | CPU s / 1,000 requests (service + Redis + Postgres) |\n"
				+ "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		for (ScenarioResult scenario : results.scenarios()) {
			Map<String, Double> cpu = scenario.cpuSecondsPer1000();
			md.append(String.format(Locale.ROOT,
					"| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.3f (%.3f + %.3f + %.3f) |%n", scenario.scenario(),
					scenario.pattern(), stat(scenario.throughput(), 1, "%,.0f"), millis(scenario.latency().get("p50")),
					millis(scenario.latency().get("p90")), millis(scenario.latency().get("p99")),
					millis(scenario.latency().get("p99.9")),
					(scenario.hitRatio() != null) ? String.format(Locale.ROOT, "%.1f %%", scenario.hitRatio() * 100)
							: "n/a",
					(scenario.sqlPerRequest() != null) ? String.format(Locale.ROOT, "%.2f", scenario.sqlPerRequest())
							: "n/a",
					cpu.get("total"), cpu.get("service"), cpu.get("redis"), cpu.get("postgres")));
		}

		md.append("\n### Bytes per cached profile in Redis\n\n| Format | MEMORY USAGE (bytes) | Value (bytes) "
				+ "| used_memory growth per entry (bytes) | Projected for 10 million profiles (masters; replicas as "
				+ "much again) |\n|---|---:|---:|---:|---:|\n");
		for (EntryMemory memory : results.memory()) {
			md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f (%,d entries) | %.2f GiB |%n",
					memory.format(), memory.memoryUsage(), memory.valueBytes(), memory.usedMemoryPerEntry(),
					memory.entries(), memory.projected10MillionBytes() / (1L << 30)));
		}

		md.append(
				"\n### Serializers (JMH, ns/op ± error)\n\n| Format | Encode | Decode | Bytes |\n|---|---:|---:|---:|\n");
		for (String format : List.of("protobuf", "json", "jdk")) {
			SerializerBenchmarks.Measurement encode = measurement(results, format, "encode");
			SerializerBenchmarks.Measurement decode = measurement(results, format, "decode");
			md.append(String.format(Locale.ROOT, "| %s | %.0f ± %.0f | %.0f ± %.0f | %d |%n", format, encode.nsPerOp(),
					encode.errorNs(), decode.nsPerOp(), decode.errorNs(), encode.bytes()));
		}

		md.append("\n### Scaling with connections (ours, Zipf, closed loop)\n\n| Connections | Throughput (requests/s) "
				+ "| p99 (ms) |\n|---:|---:|---:|\n");
		for (ConnectionScaling point : results.connectionScaling()) {
			md.append(String.format(Locale.ROOT, "| %d | %s | %s |%n", point.connections(),
					stat(point.throughput(), 1, "%,.0f"), millis(point.p99())));
		}

		md.append(String.format(Locale.ROOT, "%n### Scaling with profiles (ours, Zipf, cache filled first)%n%n"
				+ "| Profiles | Throughput (requests/s) | p99 at %.0f requests/s (ms) | Hit ratio | Cache filled "
				+ "| Fill (s) |%n|---:|---:|---:|---:|---|---:|%n", settings.offeredRate()));
		for (SizeScaling size : results.sizeScaling()) {
			String hitRatio = (size.hitRatio() != null) ? String.format(Locale.ROOT, "%.1f %%", size.hitRatio() * 100)
					: "n/a";
			md.append(String.format(Locale.ROOT, "| %,d | %s | %s | %s | %s | %.1f |%n", size.profiles(),
					stat(size.throughput(), 1, "%,.0f"), millis(size.p99()), hitRatio, size.filled(),
					size.fillSeconds()));
		}

		md.append("\n### Service start and memory\n\n| Service | Ready (s, JVM launch to /readyz 200) "
				+ "| Spring Boot \"Started in\" (s) | RSS after the run (MiB) |\n|---|---:|---:|---:|\n");
		for (ServiceFootprint service : results.services()) {
			md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.0f |%n", service.scenario(),
					service.readySeconds(), service.startedSeconds(), service.residentBytes() / (double) (1 << 20)));
		}
		return md.toString();
	}

	private static SerializerBenchmarks.Measurement measurement(BenchResults results, String format, String operation) {
		return results.serializers()
			.stream()
			.filter((m) -> m.format().equals(format) && m.operation().equals(operation))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No JMH result for " + format + " " + operation));
	}

	private static String millis(Stat micros) {
		return stat(micros, 1000, "%.2f");
	}

	private static String stat(Stat stat, double divisor, String format) {
		return String.format(Locale.ROOT, format + " (" + format + " to " + format + ")", stat.median() / divisor,
				stat.min() / divisor, stat.max() / divisor);
	}

	/** Three charts side by side: latency percentiles, throughput, connection scaling. */
	static BufferedImage plot(BenchResults results) {
		int width = 1800;
		int height = 620;
		BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		Graphics2D graphics = image.createGraphics();
		graphics.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
		graphics.setColor(Color.WHITE);
		graphics.fillRect(0, 0, width, height);
		latencyChart(results).draw(graphics, new Rectangle2D.Double(0, 0, 700, height));
		throughputChart(results).draw(graphics, new Rectangle2D.Double(700, 0, 550, height));
		scalingChart(results).draw(graphics, new Rectangle2D.Double(1250, 0, 550, height));
		graphics.dispose();
		return image;
	}

	private static JFreeChart latencyChart(BenchResults results) {
		XYSeriesCollection dataset = new XYSeriesCollection();
		XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
		int series = 0;
		for (Map.Entry<String, List<double[]>> curve : results.latencyCurves().entrySet()) {
			XYSeries xy = new XYSeries(curve.getKey());
			for (double[] point : curve.getValue()) {
				// x = number of nines: 1 for 90 %, 2 for 99 %, 3 for 99.9 %
				if (point[0] < 100) {
					xy.add(-Math.log10(1 - point[0] / 100), Math.max(point[1], 1) / 1000.0);
				}
			}
			dataset.addSeries(xy);
			String scenario = curve.getKey().substring(0, curve.getKey().indexOf(','));
			renderer.setSeriesPaint(series, COLORS.getOrDefault(scenario, Color.GRAY));
			renderer.setSeriesStroke(series, curve.getKey().endsWith("uniform")
					? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] { 6f, 4f }, 0f)
					: new BasicStroke(2.5f));
			series++;
		}
		NumberAxis percentile = new NumberAxis("percentile");
		percentile.setRange(0, 4);
		percentile.setTickUnit(new NumberTickUnit(1, new NinesFormat()));
		LogAxis latency = new LogAxis("latency (ms), from intended start");
		latency.setBase(2);
		latency.setTickUnit(new NumberTickUnit(1));
		latency.setNumberFormatOverride(new DecimalFormat("0.###"));
		XYPlot plot = new XYPlot(dataset, percentile, latency, renderer);
		plot.setBackgroundPaint(Color.WHITE);
		plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
		plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
		JFreeChart chart = new JFreeChart(String.format(Locale.ROOT,
				"Latency at %.0f requests/s (solid: Zipf, dashed: uniform)", results.settings().offeredRate()),
				new Font("SansSerif", Font.BOLD, 15), plot, true);
		chart.setBackgroundPaint(Color.WHITE);
		return chart;
	}

	private static JFreeChart throughputChart(BenchResults results) {
		DefaultCategoryDataset dataset = new DefaultCategoryDataset();
		for (ScenarioResult scenario : results.scenarios()) {
			dataset.addValue(scenario.throughput().median(), scenario.pattern(), scenario.scenario());
		}
		JFreeChart chart = ChartFactory.createBarChart(
				String.format(Locale.ROOT, "Throughput, %d connections (median)", results.settings().connections()),
				null, "requests/s", dataset, PlotOrientation.VERTICAL, true, false, false);
		CategoryPlot plot = chart.getCategoryPlot();
		plot.setBackgroundPaint(Color.WHITE);
		plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
		BarRenderer renderer = (BarRenderer) plot.getRenderer();
		renderer.setBarPainter(new StandardBarPainter());
		renderer.setShadowVisible(false);
		renderer.setSeriesPaint(0, new Color(0x1f77b4));
		renderer.setSeriesPaint(1, new Color(0xaec7e8));
		chart.getTitle().setFont(new Font("SansSerif", Font.BOLD, 15));
		chart.setBackgroundPaint(Color.WHITE);
		return chart;
	}

	private static JFreeChart scalingChart(BenchResults results) {
		XYSeriesCollection dataset = new XYSeriesCollection();
		XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
		int series = 0;
		for (String scenario : List.of(Scenario.OURS.label())) {
			XYSeries xy = new XYSeries(scenario);
			for (ConnectionScaling point : results.connectionScaling()) {
				if (point.scenario().equals(scenario)) {
					xy.add(point.connections(), point.throughput().median());
				}
			}
			dataset.addSeries(xy);
			renderer.setSeriesPaint(series, COLORS.get(scenario));
			renderer.setSeriesStroke(series, new BasicStroke(2.5f));
			series++;
		}
		LogAxis connections = new LogAxis("connections");
		connections.setBase(2);
		connections.setTickUnit(new NumberTickUnit(1));
		connections.setNumberFormatOverride(new DecimalFormat("0"));
		NumberAxis throughput = new NumberAxis("requests/s");
		XYPlot plot = new XYPlot(dataset, connections, throughput, renderer);
		plot.setBackgroundPaint(Color.WHITE);
		plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
		plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
		JFreeChart chart = new JFreeChart("Ours: throughput by connections (Zipf)",
				new Font("SansSerif", Font.BOLD, 15), plot, true);
		chart.setBackgroundPaint(Color.WHITE);
		return chart;
	}

	/** Labels 1, 2, 3 on the percentile axis as 90 %, 99 %, 99.9 %. */
	private static final class NinesFormat extends NumberFormat {

		@Override
		public StringBuffer format(double nines, StringBuffer target, FieldPosition position) {
			double percentile = 100 * (1 - Math.pow(10, -nines));
			return target.append(new DecimalFormat("0.###").format(percentile)).append('%');
		}

		@Override
		public StringBuffer format(long nines, StringBuffer target, FieldPosition position) {
			return format((double) nines, target, position);
		}

		@Override
		public Number parse(String source, ParsePosition position) {
			throw new UnsupportedOperationException();
		}

	}

}
