package dev.userprofiles.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders a Kustomize directory in two ways: with {@code kubectl kustomize} when kubectl
 * is on the PATH, and always with the small subset of Kustomize that our overlays use
 * ({@code resources}, {@code patches} by path, {@code namespace}), so that the overlays
 * are checked on machines without kubectl too. Any other Kustomize feature fails the
 * parse of {@link Kustomization}: add it here before using it.
 */
final class Kustomize {

	/** A kustomization.yaml, limited to the fields this renderer implements. */
	record Kustomization(String apiVersion, String kind, @Nullable String namespace, List<String> resources,
			@Nullable List<Patch> patches) {

		List<Patch> patchList() {
			return (this.patches != null) ? this.patches : List.of();
		}

	}

	/**
	 * A strategic-merge patch in a file; its target is named by its own kind and name.
	 */
	record Patch(String path) {
	}

	private Kustomize() {
	}

	static Kustomization kustomization(Path directory) {
		Path file = directory.resolve("kustomization.yaml");
		if (!Files.isRegularFile(file)) {
			throw new IllegalArgumentException(directory + " has no kustomization.yaml");
		}
		try {
			return KubernetesModel.YAML.readValue(read(file), Kustomization.class);
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException(file + ": not a kustomization this test can render: " + ex.getMessage(),
					ex);
		}
	}

	/** Renders {@code directory} with the subset implemented here. */
	static List<ObjectNode> render(Path directory) {
		Kustomization kustomization = kustomization(directory);
		List<ObjectNode> objects = new ArrayList<>();
		for (String resource : kustomization.resources()) {
			Path path = directory.resolve(resource).normalize();
			if (Files.isDirectory(path)) {
				objects.addAll(render(path));
			}
			else if (Files.isRegularFile(path)) {
				KubernetesModel.documents(read(path)).forEach((document) -> objects.add((ObjectNode) document));
			}
			else {
				throw new IllegalArgumentException(directory + ": resource " + resource + " does not exist");
			}
		}
		for (Patch patch : kustomization.patchList()) {
			Path path = directory.resolve(patch.path()).normalize();
			if (!Files.isRegularFile(path)) {
				throw new IllegalArgumentException(directory + ": patch " + patch.path() + " does not exist");
			}
			for (JsonNode document : KubernetesModel.documents(read(path))) {
				ObjectNode target = findTarget(objects, document, path);
				objects.set(objects.indexOf(target), (ObjectNode) merge(target, document, path.toString()));
			}
		}
		if (kustomization.namespace() != null) {
			for (ObjectNode object : objects) {
				if (!object.path("kind").asString().equals("Namespace")) {
					((ObjectNode) object.get("metadata")).put("namespace", kustomization.namespace());
				}
			}
		}
		return objects;
	}

	private static ObjectNode findTarget(List<ObjectNode> objects, JsonNode patch, Path origin) {
		List<ObjectNode> targets = objects.stream()
			.filter((object) -> object.path("kind").equals(patch.path("kind"))
					&& object.path("apiVersion").equals(patch.path("apiVersion"))
					&& object.path("metadata").path("name").equals(patch.path("metadata").path("name")))
			.toList();
		if (targets.size() != 1) {
			throw new IllegalArgumentException(origin + ": " + targets.size() + " targets for "
					+ patch.path("kind").asString() + " " + patch.path("metadata").path("name").asString());
		}
		return targets.get(0);
	}

	/**
	 * Strategic merge as far as our patches need it: maps merge key by key, lists of
	 * objects that all have a {@code name} merge element by name (containers, env,
	 * volumes), every other value (scalars, {@code args}) is replaced. Directives
	 * ({@code $patch}) are refused.
	 */
	static JsonNode merge(JsonNode base, JsonNode patch, String origin) {
		if (base instanceof ObjectNode baseObject && patch instanceof ObjectNode patchObject) {
			ObjectNode merged = baseObject.deepCopy();
			for (Map.Entry<String, JsonNode> entry : patchObject.properties()) {
				if (entry.getKey().startsWith("$")) {
					throw new IllegalArgumentException(origin + ": directive " + entry.getKey() + " is not supported");
				}
				JsonNode existing = merged.get(entry.getKey());
				merged.set(entry.getKey(),
						(existing != null) ? merge(existing, entry.getValue(), origin) : entry.getValue().deepCopy());
			}
			return merged;
		}
		if (base instanceof ArrayNode baseArray && patch instanceof ArrayNode patchArray && allNamed(baseArray)
				&& allNamed(patchArray)) {
			Map<String, JsonNode> byName = new LinkedHashMap<>();
			baseArray.forEach((element) -> byName.put(element.get("name").asString(), element));
			patchArray.forEach((element) -> byName.merge(element.get("name").asString(), element,
					(existing, update) -> merge(existing, update, origin)));
			ArrayNode merged = baseArray.arrayNode();
			byName.values().forEach(merged::add);
			return merged;
		}
		return patch.deepCopy();
	}

	private static boolean allNamed(ArrayNode array) {
		for (JsonNode element : array) {
			if (!element.isObject() || !element.path("name").isString()) {
				return false;
			}
		}
		return !array.isEmpty();
	}

	/** kubectl on the PATH, if any. */
	static Optional<Path> kubectl() {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		return Stream.of(path.split(File.pathSeparator))
			.map((directory) -> Path.of(directory, "kubectl"))
			.filter(Files::isExecutable)
			.findFirst();
	}

	/** Renders {@code directory} with {@code kubectl kustomize}. */
	static List<ObjectNode> renderWithKubectl(Path kubectl, Path directory) {
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

	/**
	 * The objects keyed by kind, namespace and name, with lists of named elements in name
	 * order, so that two renderings compare equal when they mean the same (strategic
	 * merge puts patched list elements first, which changes nothing here).
	 */
	static Map<String, JsonNode> comparable(List<ObjectNode> objects) {
		Map<String, JsonNode> byKey = new LinkedHashMap<>();
		for (ObjectNode object : objects) {
			String key = object.path("kind").asString() + " " + object.path("metadata").path("namespace").asString()
					+ "/" + object.path("metadata").path("name").asString();
			if (byKey.put(key, normalized(object)) != null) {
				throw new IllegalArgumentException("two objects named " + key);
			}
		}
		return byKey;
	}

	private static JsonNode normalized(JsonNode node) {
		if (node instanceof ObjectNode object) {
			ObjectNode copy = object.objectNode();
			object.properties().forEach((entry) -> copy.set(entry.getKey(), normalized(entry.getValue())));
			return copy;
		}
		if (node instanceof ArrayNode array) {
			List<JsonNode> elements = new ArrayList<>();
			array.forEach((element) -> elements.add(normalized(element)));
			if (allNamed(array)) {
				elements.sort(Comparator.comparing((JsonNode element) -> element.get("name").asString()));
			}
			ArrayNode copy = array.arrayNode();
			elements.forEach(copy::add);
			return copy;
		}
		return node;
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
