package dev.userprofiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import dev.userprofiles.infra.WithoutInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application's modules are its top-level packages. Each may use only the public
 * types in another's top-level package, and no two depend on each other, even through
 * others. The Documenter's diagrams of them are committed under {@code docs/modules}.
 * <p>
 * What the analysis cannot see: a module used only through a compile-time constant
 * ({@code ProfileCache.NAME} in an annotation or in {@code changes}), which the compiler
 * copies into the user. Each module's {@code package-info} names the modules it may
 * depend on, those included.
 */
@WithoutInfrastructure
class ModulesTests {

	private static final ApplicationModules MODULES = ApplicationModules.of(UserProfileServiceApplication.class);

	private static final Path COMMITTED = Path.of("docs/modules");

	@Test
	void modulesHaveNoCyclesAndUseOnlyEachOthersApis() {
		MODULES.verify();
	}

	@Test
	void committedDiagramsAreTheModulesOfThisCode() throws IOException {
		Path generated = Path.of("target/spring-modulith-docs");
		new Documenter(MODULES, Documenter.Options.defaults().withOutputFolder(generated.toString()))
			.writeModulesAsPlantUml()
			.writeIndividualModulesAsPlantUml();

		List<String> names = diagrams(generated);
		assertThat(names).as("diagrams written to %s", generated).isNotEmpty();
		assertThat(diagrams(COMMITTED))
			.as("diagrams in %s (refresh: cp %s/*.puml %s/)", COMMITTED, generated, COMMITTED)
			.isEqualTo(names);
		for (String name : names) {
			// In any order: the Documenter's order of relations varies from run to run.
			assertThat(Files.readAllLines(COMMITTED.resolve(name)))
				.as("%s/%s is stale: cp %s/*.puml %s/", COMMITTED, name, generated, COMMITTED)
				.containsExactlyInAnyOrderElementsOf(Files.readAllLines(generated.resolve(name)));
		}
	}

	private static List<String> diagrams(Path folder) throws IOException {
		if (!Files.isDirectory(folder)) {
			return List.of();
		}
		try (Stream<Path> files = Files.list(folder)) {
			return files.map((file) -> file.getFileName().toString())
				.filter((name) -> name.endsWith(".puml"))
				.sorted()
				.toList();
		}
	}

}
