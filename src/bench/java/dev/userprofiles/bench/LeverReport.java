package dev.userprofiles.bench;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The report of the levers benchmark: each lever writes a section (markdown with its
 * tables and choice, and one PNG of bar charts), and {@code levers.md} is assembled from
 * the sections present, so that each lever can be run again alone.
 */
final class LeverReport {

	private static final Color[] PALETTE = { new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
			new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b) };

	private LeverReport() {
	}

	/**
	 * Where a run writes.
	 *
	 * @param sections one {@code <lever>.md} each
	 * @param images one {@code levers-<lever>.png} each
	 * @param document the assembled document
	 * @param imagesFromDocument the images directory as the document links it
	 */
	record Output(Path sections, Path images, Path document, String imagesFromDocument) {

		/** The published report: {@code docs/levers.md}. */
		static Output published() {
			return new Output(Path.of("bench", "results", "levers"), Path.of("docs", "images"),
					Path.of("docs", "levers.md"), "images");
		}

		/** Under {@code directory}: the smoke run's. */
		static Output under(Path directory) {
			return new Output(directory.resolve("sections"), directory.resolve("images"),
					directory.resolve("levers.md"), "images");
		}

	}

	/** A bar chart: categories along the axis, one bar per series in each. */
	record Chart(String title, String valueAxis, DefaultCategoryDataset data) {

		static Chart of(String title, String valueAxis) {
			return new Chart(title, valueAxis, new DefaultCategoryDataset());
		}

		void add(double value, String series, String category) {
			this.data.addValue(value, series, category);
		}

	}

	/** One lever's part of the report. */
	static final class Section {

		final String lever;

		final StringBuilder markdown = new StringBuilder();

		final List<Chart> charts = new ArrayList<>();

		/** Measured values by name, for the smoke test's assertions. */
		final Map<String, Double> facts = new LinkedHashMap<>();

		Section(String lever, String title) {
			this.lever = lever;
			this.markdown.append("## ").append(title).append("\n\n");
		}

		Section text(String format, Object... arguments) {
			this.markdown.append(String.format(Locale.ROOT, format, arguments)).append("\n\n");
			return this;
		}

		Section table(List<String> header, List<List<String>> rows) {
			this.markdown.append("| ").append(String.join(" | ", header)).append(" |\n|");
			header.forEach((column) -> this.markdown.append("---|"));
			this.markdown.append('\n');
			for (List<String> row : rows) {
				this.markdown.append("| ").append(String.join(" | ", row)).append(" |\n");
			}
			this.markdown.append('\n');
			return this;
		}

		Chart chart(String title, String valueAxis) {
			Chart chart = Chart.of(title, valueAxis);
			this.charts.add(chart);
			return chart;
		}

	}

	/** Writes the section and its plot, then assembles the document again. */
	static void write(Section section, Output output, String header) throws IOException {
		Files.createDirectories(output.sections());
		Files.createDirectories(output.images());
		String image = "levers-" + section.lever + ".png";
		String markdown = section.markdown + "![" + section.lever + "](" + output.imagesFromDocument() + "/" + image
				+ ")\n\n";
		Files.writeString(output.sections().resolve(section.lever + ".md"), markdown);
		ImageIO.write(plot(section.charts), "png", output.images().resolve(image).toFile());
		assemble(output, header);
	}

	private static void assemble(Output output, String header) throws IOException {
		StringBuilder document = new StringBuilder(header);
		for (String lever : Arrays.stream(Lever.values()).map(Lever::id).toList()) {
			Path section = output.sections().resolve(lever + ".md");
			if (Files.exists(section)) {
				document.append(Files.readString(section));
			}
			else {
				document.append("## ")
					.append(lever)
					.append("\n\nNot measured yet: `./bench/run.sh ")
					.append(lever)
					.append("`.\n\n");
			}
		}
		Files.createDirectories(output.document().toAbsolutePath().getParent());
		Files.writeString(output.document(), document.toString().stripTrailing() + "\n");
	}

	static BufferedImage plot(List<Chart> charts) {
		int width = 600 * Math.max(1, charts.size());
		int height = 480;
		BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		Graphics2D graphics = image.createGraphics();
		graphics.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
		graphics.setColor(Color.WHITE);
		graphics.fillRect(0, 0, width, height);
		for (int i = 0; i < charts.size(); i++) {
			barChart(charts.get(i)).draw(graphics, new Rectangle2D.Double(600.0 * i, 0, 600, height));
		}
		graphics.dispose();
		return image;
	}

	private static JFreeChart barChart(Chart chart) {
		JFreeChart bars = ChartFactory.createBarChart(chart.title(), null, chart.valueAxis(), chart.data(),
				PlotOrientation.VERTICAL, true, false, false);
		CategoryPlot plot = bars.getCategoryPlot();
		plot.setBackgroundPaint(Color.WHITE);
		plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
		BarRenderer renderer = (BarRenderer) plot.getRenderer();
		renderer.setBarPainter(new StandardBarPainter());
		renderer.setShadowVisible(false);
		for (int i = 0; i < PALETTE.length; i++) {
			renderer.setSeriesPaint(i, PALETTE[i]);
		}
		bars.getTitle().setFont(new Font("SansSerif", Font.BOLD, 14));
		bars.setBackgroundPaint(Color.WHITE);
		return bars;
	}

}
