package dev.userprofiles.deploy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads YAML into fabric8's typed Kubernetes model and refuses anything the model does
 * not know: fabric8 classes keep unknown fields in {@code additionalProperties} instead
 * of failing, so every parsed object graph is walked for them.
 */
final class KubernetesModel {

	static final YAMLMapper YAML = YAMLMapper.builder()
		.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	private KubernetesModel() {
	}

	/** The documents of a YAML stream, empty documents left out. */
	static List<JsonNode> documents(String yaml) {
		List<JsonNode> documents = new ArrayList<>();
		for (JsonNode document : YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll()) {
			if (document != null && !document.isNull() && !document.isMissingNode()) {
				documents.add(document);
			}
		}
		return documents;
	}

	/**
	 * The typed object for one document.
	 * @throws IllegalArgumentException when the kind is unknown to the model or a field
	 * anywhere in it is unknown
	 */
	static HasMetadata typed(JsonNode document, String origin) {
		KubernetesResource resource;
		try {
			resource = YAML.treeToValue(document, KubernetesResource.class);
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException(
					origin + ": does not parse into the Kubernetes model: " + ex.getMessage(), ex);
		}
		if (resource instanceof GenericKubernetesResource || !(resource instanceof HasMetadata object)) {
			throw new IllegalArgumentException(origin + ": " + document.path("apiVersion").asString() + " "
					+ document.path("kind").asString() + " is not a kind the Kubernetes model knows");
		}
		List<String> unknown = new ArrayList<>();
		collectUnknownFields(object, object.getKind(), unknown, 0);
		if (!unknown.isEmpty()) {
			throw new IllegalArgumentException(origin + ": unknown fields " + unknown);
		}
		return object;
	}

	private static void collectUnknownFields(Object value, String path, List<String> unknown, int depth) {
		if (depth > 64) {
			throw new IllegalStateException(path + ": object graph deeper than 64 levels");
		}
		if (value instanceof Map<?, ?> map) {
			map.forEach((key, element) -> {
				if (element != null) {
					collectUnknownFields(element, path + "." + key, unknown, depth + 1);
				}
			});
			return;
		}
		if (value instanceof List<?> list) {
			for (int i = 0; i < list.size(); i++) {
				if (list.get(i) != null) {
					collectUnknownFields(list.get(i), path + "[" + i + "]", unknown, depth + 1);
				}
			}
			return;
		}
		if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model.")) {
			return;
		}
		for (Method getter : value.getClass().getMethods()) {
			if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
					|| Modifier.isStatic(getter.getModifiers()) || getter.getDeclaringClass() == Object.class) {
				continue;
			}
			Object property = invoke(getter, value, path);
			if (getter.getName().equals("getAdditionalProperties")) {
				if (property instanceof Map<?, ?> additional && !additional.isEmpty()) {
					additional.keySet().forEach((key) -> unknown.add(path + "." + key));
				}
			}
			else if (property != null) {
				String name = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
				collectUnknownFields(property, path + "." + name, unknown, depth + 1);
			}
		}
	}

	private static Object invoke(Method getter, Object target, String path) {
		try {
			return getter.invoke(target);
		}
		catch (IllegalAccessException | InvocationTargetException ex) {
			throw new IllegalStateException(path + ": cannot read " + getter.getName(), ex);
		}
	}

}
