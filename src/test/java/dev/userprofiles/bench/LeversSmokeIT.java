package dev.userprofiles.bench;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The five levers end to end on tiny data ({@link Levers.Settings#smoke()}), against the
 * packaged jar: each runs, writes its section and plot, and the document is assembled. It
 * asserts that the harness works and that the measurements are real (requests answered,
 * shapes present), never timings.
 */
class LeversSmokeIT {

	@Test
	void everyLeverRunsAndWritesItsSection() throws Exception {
		Path directory = Path.of("target", "levers-smoke");
		FileSystemUtils.deleteRecursively(directory);
		LeverReport.Output output = LeverReport.Output.under(directory);

		Map<Lever, LeverReport.Section> sections = Levers.run(Levers.Settings.smoke(), List.of(Lever.values()), output);

		assertThat(sections).containsOnlyKeys(Lever.values());
		sections.values()
			.forEach((section) -> assertThat(section.markdown).as(section.lever).contains("What we chose and why"));
		// The consistency machinery while Redis evicts: checked, and no violation.
		assertThat(sections.get(Lever.EVICTION).facts).containsEntry("check.violations.allkeys-lfu", 0.0)
			.containsEntry("check.violations.volatile-lfu", 0.0);
		assertThat(sections.get(Lever.EVICTION).facts.get("check.reads.allkeys-lfu")).isPositive();
		// Writes behind the service's back were made and watched, with and without
		// capture.
		assertThat(sections.get(Lever.TTL).facts.get("watched.ttl-2s")).isPositive();
		assertThat(sections.get(Lever.TTL).facts.get("watched.ttl-2s-cdc")).isPositive();
		assertThat(sections.get(Lever.SERIALIZATION).markdown).contains("protobuf", "json", "jdk",
				"Bytes allocated/op");
		// One hash tag: every key on one master, and that master busiest.
		assertThat(sections.get(Lever.KEYS).facts.get("tagged.keys.busiest.share")).isEqualTo(1.0);
		assertThat(sections.get(Lever.KEYS).facts.get("busiest.share.2")).isGreaterThan(0.5);
		// One lost node is failed over in either shape; a master and its only replica
		// are not.
		assertThat(sections.get(Lever.TOPOLOGY).facts.get("recovery.one.1")).isPositive();
		assertThat(sections.get(Lever.TOPOLOGY).facts.get("recovery.one.2")).isPositive();
		assertThat(sections.get(Lever.TOPOLOGY).facts.get("recovery.two.1")).isNegative();
		assertThat(sections.get(Lever.TOPOLOGY).facts.get("recovery.two.2")).isPositive();
		String document = Files.readString(output.document());
		assertThat(document).startsWith("# The levers of a distributed cache, measured")
			.doesNotContain("Not measured yet");
		for (Lever lever : Lever.values()) {
			BufferedImage plot = ImageIO.read(output.images().resolve("levers-" + lever.id() + ".png").toFile());
			assertThat(plot.getWidth()).as(lever.id()).isGreaterThanOrEqualTo(600);
		}
	}

}
