package dev.userprofiles.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import tools.jackson.databind.node.ObjectNode;

/**
 * Renders a Kustomize directory with {@code kubectl kustomize}, the renderer a real
 * cluster's tooling uses ({@code .ci/run} checks that kubectl is there). Without kubectl
 * the manifest tests fail and say so.
 */
final class Kustomize {

	private Kustomize() {
	}

	/** Renders {@code directory} with {@code kubectl kustomize}. */
	static List<ObjectNode> render(Path directory) {
		return renderWithKubectl(kubectl(), directory);
	}

	/** kubectl on the PATH. */
	static Path kubectl() {
		String path = System.getenv("PATH");
		return Stream.of((path != null) ? path.split(File.pathSeparator) : new String[0])
			.map((directory) -> Path.of(directory, "kubectl"))
			.filter(Files::isExecutable)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("kubectl is not on the PATH: the manifest tests render the "
					+ "overlays with 'kubectl kustomize' (kubectl 1.27 or newer, Kustomize 5)"));
	}

	private static List<ObjectNode> renderWithKubectl(Path kubectl, Path directory) {
		try {
			Path output = Files.createTempFile("kustomize", ".yaml");
			Path errors = Files.createTempFile("kustomize", ".err");
			try {
				Process process = new ProcessBuilder(kubectl.toString(), "kustomize", directory.toString())
					.redirectOutput(output.toFile())
					.redirectError(errors.toFile())
					.start();
				if (!process.waitFor(60, TimeUnit.SECONDS)) {
					process.destroyForcibly();
					throw new IllegalStateException("kubectl kustomize " + directory + " took over 60 s");
				}
				if (process.exitValue() != 0) {
					throw new IllegalStateException("kubectl kustomize " + directory + " failed (" + process.exitValue()
							+ "): " + read(errors));
				}
				List<ObjectNode> objects = new ArrayList<>();
				KubernetesModel.documents(read(output)).forEach((document) -> objects.add((ObjectNode) document));
				return objects;
			}
			finally {
				Files.deleteIfExists(output);
				Files.deleteIfExists(errors);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("cannot run " + kubectl, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while running kubectl", ex);
		}
	}

	static String read(Path file) {
		try {
			return Files.readString(file, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException("cannot read " + file, ex);
		}
	}

}
