package dev.userprofiles.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import dev.userprofiles.infra.WithoutInfrastructure;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.convert.DurationStyle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The manifests under {@code k8s/}: every document parses into the typed Kubernetes model
 * with no unknown field, and each overlay, rendered, agrees with the application (probe
 * paths, port, environment variables, graceful shutdown) and with itself (selectors, the
 * autoscaler's target, the Redis Cluster's topology). Nothing here is applied to a
 * cluster.
 */
@WithoutInfrastructure
class KubernetesManifestsTests {

	private static final Path K8S = Path.of("k8s");

	private static final String APP = "user-profile-service";

	private static final Map<String, List<HasMetadata>> rendered = new ConcurrentHashMap<>();

	private static final JsonNode application = applicationYaml();

	@Test
	void everyYamlDocumentUnderK8sParsesIntoTheModelWithoutUnknownFields() throws IOException {
		List<Path> files = yamlFiles();
		assertThat(files).as("YAML files under %s", K8S.toAbsolutePath()).isNotEmpty();
		int documents = 0;
		for (Path file : files) {
			if (file.getFileName().toString().equals("kustomization.yaml")) {
				continue;
			}
			for (JsonNode document : KubernetesModel.documents(Kustomize.read(file))) {
				KubernetesModel.typed(document, file.toString());
				documents++;
			}
		}
		System.out.printf("[k8s] %d files, %d Kubernetes documents parsed into the fabric8 model%n", files.size(),
				documents);
	}

	@Test
	void misspelledFieldIsRejected() {
		String deployment = Kustomize.read(K8S.resolve("base/app-deployment.yaml"));
		assertThat(deployment).contains("readOnlyRootFilesystem:");
		JsonNode misspelled = KubernetesModel
			.documents(deployment.replace("readOnlyRootFilesystem:", "readOnlyRootFilesystemm:"))
			.get(0);

		assertThatIllegalArgumentException().isThrownBy(() -> KubernetesModel.typed(misspelled, "misspelled"))
			.withMessageContaining("unknown fields")
			.withMessageContaining("readOnlyRootFilesystemm");
	}

	@Test
	void misspelledKindIsRejected() {
		JsonNode document = KubernetesModel
			.documents("apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: x\nspec: {}\n")
			.get(0);

		assertThatIllegalArgumentException().isThrownBy(() -> KubernetesModel.typed(document, "misspelled"))
			.withMessageContaining("Deploymnet");
	}

	@Test
	void misnamedEnvironmentVariableDoesNotBind() {
		ConfigurationMetadata metadata = ConfigurationMetadata.fromClasspath();

		assertThat(metadata.binds("SPRING_DATA_REDIS_CLUSTER_NODES")).isTrue();
		assertThat(metadata.binds("PROFILES_CACHE_CACHES_USERS_TTL")).isTrue();
		assertThat(metadata.binds("SPRING_DATA_REDIS_CLUSTER_NODE")).isFalse();
		assertThat(metadata.binds("SPRING_REDIS_CLUSTER_NODES")).as("Boot 2's dead prefix").isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void overlayRendersIntoTheModelWithoutUnknownFields(String overlay) {
		assertThat(objects(overlay)).isNotEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void probesUseTheApplicationsProbePathsOnItsPort(String overlay) {
		assertThat(application.at("/management/endpoint/health/probes/enabled").asBoolean()).isTrue();
		assertThat(application.at("/management/endpoint/health/probes/add-additional-paths").asBoolean())
			.as("/livez and /readyz on the main port need add-additional-paths")
			.isTrue();
		Container app = appContainer(overlay);
		int port = serverPort();
		assertThat(app.getPorts()).anySatisfy((containerPort) -> {
			assertThat(containerPort.getName()).isEqualTo("http");
			assertThat(containerPort.getContainerPort()).isEqualTo(port);
		});

		assertThat(probe(app.getLivenessProbe(), app)).isEqualTo("/livez on " + port);
		assertThat(probe(app.getReadinessProbe(), app)).isEqualTo("/readyz on " + port);
		assertThat(probe(app.getStartupProbe(), app)).isIn("/livez on " + port, "/readyz on " + port);
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void prometheusScrapesTheManagementPortWhichTheServiceDoesNotRoute(String overlay) {
		assertThat(application.at("/management/endpoints/web/exposure/include").asString()).contains("prometheus");
		int managementPort = application.at("/management/server/port").asInt(-1);
		assertThat(managementPort).as("Actuator on a port of its own").isPositive().isNotEqualTo(serverPort());
		String basePath = application.at("/management/endpoints/web/base-path").asString("/actuator");
		Map<String, String> annotations = deployment(overlay).getSpec().getTemplate().getMetadata().getAnnotations();

		assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
			.containsEntry("prometheus.io/path", basePath + "/prometheus")
			.containsEntry("prometheus.io/port", String.valueOf(managementPort));
		assertThat(appContainer(overlay).getPorts()).anySatisfy((containerPort) -> {
			assertThat(containerPort.getName()).isEqualTo("management");
			assertThat(containerPort.getContainerPort()).isEqualTo(managementPort);
		});
		assertThat(objects(overlay)).filteredOn(Service.class::isInstance)
			.map(Service.class::cast)
			.filteredOn((service) -> service.getMetadata().getName().equals("user-profile-service"))
			.singleElement()
			.satisfies((service) -> assertThat(service.getSpec().getPorts())
				.allSatisfy((port) -> assertThat(port.getTargetPort().getStrVal()).isEqualTo("http")));
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void springEnvironmentVariablesBindToRealProperties(String overlay) {
		ConfigurationMetadata metadata = ConfigurationMetadata.fromClasspath();
		assertThat(metadata.sources()).as("configuration metadata files on the classpath").isGreaterThan(1);
		assertThat(metadata.hasProperty("profiles.cache.key-prefix")).as("our own generated metadata").isTrue();
		List<String> names = Stream
			.concat(appContainer(overlay).getEnv().stream(), migrateContainer(overlay).getEnv().stream())
			.map(EnvVar::getName)
			.filter((name) -> name.startsWith("SPRING_") || name.startsWith("PROFILES_") || name.startsWith("LOGGING_"))
			.toList();

		assertThat(names).contains("SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME", "SPRING_CONFIG_IMPORT",
				"SPRING_FLYWAY_ENABLED", "SPRING_FLYWAY_USER", "SPRING_DATA_REDIS_CLUSTER_NODES",
				"SPRING_DATA_REDIS_USERNAME", "SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_ISSUERURI",
				"LOGGING_STRUCTURED_FORMAT_CONSOLE");
		assertThat(names).allSatisfy(
				(name) -> assertThat(metadata.binds(name)).as("%s binds to a configuration property", name).isTrue());
	}

	/**
	 * Flyway runs in the {@code migrate} init container, as the schema's owner, and the
	 * service with Flyway off: the service never holds the owner's password.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void migrationsRunInAnInitContainerAsTheOwner(String overlay) {
		Container migrate = migrateContainer(overlay);
		assertThat(migrate.getImage()).isEqualTo(appContainer(overlay).getImage());
		assertThat(env(migrate, "JAVA_TOOL_OPTIONS").getValue()).contains("-Dspring.context.exit=onRefresh");
		assertThat(env(migrate, "SPRING_FLYWAY_USER").getValueFrom().getSecretKeyRef().getName())
			.isEqualTo("user-profile-db-migration");
		assertThat(secretFiles(overlay, migrate)).containsExactlyInAnyOrder("spring.datasource.password",
				"spring.flyway.password");
		assertThat(env(appContainer(overlay), "SPRING_FLYWAY_ENABLED").getValue()).isEqualTo("false");
		assertThat(secretFiles(overlay, appContainer(overlay))).containsExactlyInAnyOrder("spring.datasource.password",
				"profiles.cdc.password", "spring.data.redis.password");
	}

	/**
	 * Passwords reach the service as files of its configtree import and the Redis nodes
	 * through their start script: never as an argument (visible in {@code ps}) nor, for
	 * the service, as an environment variable.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void passwordsAreNeverArgumentsAndTheServiceReadsThemFromFiles(String overlay) {
		for (PodTemplateSpec template : podTemplates(overlay).values()) {
			List<Container> containers = new ArrayList<>(template.getSpec().getContainers());
			containers.addAll(Optional.ofNullable(template.getSpec().getInitContainers()).orElse(List.of()));
			for (Container container : containers) {
				List<String> line = new ArrayList<>(Optional.ofNullable(container.getCommand()).orElse(List.of()));
				line.addAll(Optional.ofNullable(container.getArgs()).orElse(List.of()));
				assertThat(line).as("command line of %s", container.getName())
					.noneMatch((argument) -> argument.matches("(?i).*(pass|auth|secret).*"));
			}
		}
		for (Container container : List.of(appContainer(overlay), migrateContainer(overlay))) {
			assertThat(container.getEnv()).extracting(EnvVar::getName)
				.noneMatch((name) -> name.matches("(?i).*(PASSWORD|SECRET).*"));
		}
		StatefulSet redis = find(overlay, StatefulSet.class, "redis").orElseThrow();
		assertThat(redis.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand()).containsExactly("sh",
				"/etc/redis-node/redis-node.sh");
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void referencedConfigMapKeysExistAndSecretsAreInTheOverlayOrExternal(String overlay) {
		List<String> external = new ArrayList<>();
		for (PodTemplateSpec template : podTemplates(overlay).values()) {
			List<String> projected = Optional.ofNullable(template.getSpec().getVolumes())
				.orElse(List.of())
				.stream()
				.filter((volume) -> volume.getProjected() != null)
				.flatMap((volume) -> volume.getProjected().getSources().stream())
				.filter((source) -> source.getSecret() != null)
				.map((source) -> source.getSecret().getName())
				.toList();
			for (String name : projected) {
				if (find(overlay, Secret.class, name).isEmpty()) {
					external.add(name);
				}
			}
			List<Container> containers = new ArrayList<>(template.getSpec().getContainers());
			containers.addAll(Optional.ofNullable(template.getSpec().getInitContainers()).orElse(List.of()));
			for (Container container : containers) {
				for (EnvVar variable : container.getEnv()) {
					if (variable.getValueFrom() == null) {
						continue;
					}
					var configMapKey = variable.getValueFrom().getConfigMapKeyRef();
					if (configMapKey != null) {
						ConfigMap configMap = find(overlay, ConfigMap.class, configMapKey.getName()).orElseThrow();
						assertThat(configMap.getData()).containsKey(configMapKey.getKey());
					}
					var secretKey = variable.getValueFrom().getSecretKeyRef();
					if (secretKey != null) {
						Optional<Secret> secret = find(overlay, Secret.class, secretKey.getName());
						if (secret.isPresent()) {
							Map<String, String> keys = new HashMap<>();
							keys.putAll(Optional.ofNullable(secret.get().getData()).orElse(Map.of()));
							keys.putAll(Optional.ofNullable(secret.get().getStringData()).orElse(Map.of()));
							assertThat(keys).as("secret %s", secretKey.getName()).containsKey(secretKey.getKey());
						}
						else {
							external.add(secretKey.getName());
						}
					}
				}
			}
		}
		// prod's credentials are created out of band (k8s/README.md); dev brings its own.
		assertThat(external.stream().distinct().sorted().toList()).isEqualTo(overlay.equals("prod")
				? List.of("redis-auth", "user-profile-db", "user-profile-db-cdc", "user-profile-db-migration")
				: List.of());
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void gracePeriodCoversPreStopAndGracefulShutdown(String overlay) {
		assertThat(application.at("/server/shutdown").asString()).isEqualTo("graceful");
		Duration shutdownPhase = DurationStyle
			.detectAndParse(application.at("/spring/lifecycle/timeout-per-shutdown-phase").asString("30s"));
		PodSpec pod = deployment(overlay).getSpec().getTemplate().getSpec();
		long preStop = appContainer(overlay).getLifecycle().getPreStop().getSleep().getSeconds();

		assertThat(preStop).isPositive();
		assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(preStop + shutdownPhase.toSeconds());
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void selectorsMatchPodLabels(String overlay) {
		Map<String, PodTemplateSpec> templates = podTemplates(overlay);
		for (Deployment deployment : all(overlay, Deployment.class)) {
			assertThat(matches(deployment.getSpec().getSelector(), deployment.getSpec().getTemplate())).isTrue();
		}
		for (StatefulSet statefulSet : all(overlay, StatefulSet.class)) {
			assertThat(matches(statefulSet.getSpec().getSelector(), statefulSet.getSpec().getTemplate())).isTrue();
		}
		for (Service service : all(overlay, Service.class)) {
			LabelSelector selector = new LabelSelector(null, service.getSpec().getSelector());
			assertThat(templates.values()).as("pods selected by Service %s", service.getMetadata().getName())
				.anyMatch((template) -> matches(selector, template));
		}
		for (PodDisruptionBudget budget : all(overlay, PodDisruptionBudget.class)) {
			assertThat(templates.values()).as("pods selected by PDB %s", budget.getMetadata().getName())
				.anyMatch((template) -> matches(budget.getSpec().getSelector(), template));
		}
		assertThat(all(overlay, PodDisruptionBudget.class)).extracting((budget) -> budget.getMetadata().getName())
			.contains(APP, "redis");
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void autoscalerOwnsTheDeploymentsReplicas(String overlay) {
		HorizontalPodAutoscaler autoscaler = find(overlay, HorizontalPodAutoscaler.class, APP).orElseThrow();
		var target = autoscaler.getSpec().getScaleTargetRef();

		assertThat(target.getApiVersion()).isEqualTo("apps/v1");
		assertThat(target.getKind()).isEqualTo("Deployment");
		assertThat(find(overlay, Deployment.class, target.getName())).isPresent();
		assertThat(autoscaler.getSpec().getMinReplicas()).isPositive()
			.isLessThanOrEqualTo(autoscaler.getSpec().getMaxReplicas());
		assertThat(deployment(overlay).getSpec().getReplicas()).as("a fixed replicas would fight the autoscaler")
			.isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void podsRunAsNonRootWithReadOnlyRootAndLimits(String overlay) {
		podTemplates(overlay).forEach((workload, template) -> {
			PodSpec pod = template.getSpec();
			assertThat(pod.getAutomountServiceAccountToken()).as("%s: service account token", workload).isFalse();
			assertThat(pod.getSecurityContext().getRunAsNonRoot()).as("%s: runAsNonRoot", workload).isTrue();
			assertThat(pod.getSecurityContext().getRunAsUser()).as("%s: uid", workload).isPositive();
			assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
			for (Container container : pod.getContainers()) {
				String name = workload + "/" + container.getName();
				assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).as(name).isFalse();
				assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).as(name).isTrue();
				assertThat(container.getSecurityContext().getCapabilities().getDrop()).as(name).containsExactly("ALL");
				assertThat(container.getResources().getRequests()).as(name).containsKeys("cpu", "memory");
				assertThat(container.getResources().getLimits()).as(name).containsKey("memory");
			}
		});
		Container app = appContainer(overlay);
		assertThat(app.getVolumeMounts()).anySatisfy((mount) -> assertThat(mount.getMountPath()).isEqualTo("/tmp"));
		assertThat(app.getEnv()).anySatisfy((variable) -> {
			assertThat(variable.getName()).isEqualTo("JAVA_TOOL_OPTIONS");
			assertThat(variable.getValue()).contains("-XX:MaxRAMPercentage=", "-XX:+ExitOnOutOfMemoryError");
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev:6:3:1", "prod:9:3:2" })
	void redisNodeCountMatchesTheTopologyTheJobCreates(String expectation) {
		String[] parts = expectation.split(":");
		String overlay = parts[0];
		List<String> args = find(overlay, Job.class, "redis-cluster-init").orElseThrow()
			.getSpec()
			.getTemplate()
			.getSpec()
			.getContainers()
			.get(0)
			.getArgs();
		int masters = Integer.parseInt(argument(args, "--masters"));
		int replicas = Integer.parseInt(argument(args, "--cluster-replicas"));
		StatefulSet redis = find(overlay, StatefulSet.class, "redis").orElseThrow();

		assertThat(redis.getSpec().getReplicas()).isEqualTo(masters * (1 + replicas));
		assertThat(List.of(redis.getSpec().getReplicas(), masters, replicas))
			.containsExactly(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), Integer.parseInt(parts[3]));
		// The service's seed nodes are pods that exist, under the headless Service.
		String seeds = find(overlay, ConfigMap.class, APP).orElseThrow()
			.getData()
			.get("SPRING_DATA_REDIS_CLUSTER_NODES");
		for (String seed : seeds.split(",")) {
			assertThat(seed).matches("redis-\\d+\\." + redis.getSpec().getServiceName() + ":6379");
			assertThat(Integer.parseInt(seed.substring(6, seed.indexOf('.'))))
				.isLessThan(redis.getSpec().getReplicas());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void redisNodesAreAClusterOfCachesAnnouncingStableNames(String overlay) {
		StatefulSet redis = find(overlay, StatefulSet.class, "redis").orElseThrow();
		Service headless = find(overlay, Service.class, redis.getSpec().getServiceName()).orElseThrow();
		assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
		assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
		PodSpec pod = redis.getSpec().getTemplate().getSpec();
		Container container = pod.getContainers().get(0);
		List<String> args = container.getArgs();

		assertThat(container.getImage()).isEqualTo("redis:8");
		assertThat(argument(args, "--cluster-enabled")).isEqualTo("yes");
		assertThat(argument(args, "--cluster-announce-hostname"))
			.isEqualTo("$(POD_NAME)." + headless.getMetadata().getName() + ".$(NAMESPACE).svc.cluster.local");
		assertThat(argument(args, "--cluster-preferred-endpoint-type")).isEqualTo("hostname");
		assertThat(Integer.parseInt(argument(args, "--cluster-node-timeout"))).isBetween(1000, 15000);
		assertThat(argument(args, "--save")).isEmpty();
		assertThat(argument(args, "--appendonly")).isEqualTo("no");
		assertThat(argument(args, "--repl-diskless-load")).isEqualTo("swapdb");
		assertThat(argument(args, "--maxmemory")).isNotBlank();
		// docs/levers.md: evicts what allkeys-lfu would, never the invalidation bus's
		// keys
		assertThat(argument(args, "--maxmemory-policy")).isEqualTo("volatile-lfu");
		assertThat(container.getEnv()).extracting(EnvVar::getName).contains("POD_NAME", "NAMESPACE", "REDIS_MAXMEMORY");
		assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
			.anySatisfy((term) -> assertThat(term.getPodAffinityTerm().getTopologyKey())
				.isEqualTo("kubernetes.io/hostname"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void onlyTheServiceReachesRedisAndPostgres(String overlay) {
		Map<String, PodTemplateSpec> templates = podTemplates(overlay);
		PodTemplateSpec app = templates.get("Deployment/" + APP);
		PodTemplateSpec redis = templates.get("StatefulSet/redis");
		NetworkPolicy redisPolicy = find(overlay, NetworkPolicy.class, "redis").orElseThrow();
		assertThat(matches(redisPolicy.getSpec().getPodSelector(), redis)).isTrue();

		assertThat(allows(redisPolicy, app, 6379)).isTrue();
		assertThat(allows(redisPolicy, redis, 6379)).isTrue();
		assertThat(allows(redisPolicy, redis, 16379)).as("cluster bus between nodes").isTrue();
		assertThat(allows(redisPolicy, app, 16379)).as("cluster bus from the service").isFalse();
		templates.forEach((workload, template) -> {
			if (template != app && template != redis && !workload.equals("Job/redis-cluster-init")) {
				assertThat(allows(redisPolicy, template, 6379)).as(workload).isFalse();
			}
		});
		Optional<StatefulSet> postgres = find(overlay, StatefulSet.class, "postgres");
		if (overlay.equals("dev")) {
			NetworkPolicy postgresPolicy = find(overlay, NetworkPolicy.class, "postgres").orElseThrow();
			assertThat(
					matches(postgresPolicy.getSpec().getPodSelector(), postgres.orElseThrow().getSpec().getTemplate()))
				.isTrue();
			assertThat(allows(postgresPolicy, app, 5432)).isTrue();
			assertThat(allows(postgresPolicy, redis, 5432)).isFalse();
		}
		else {
			assertThat(postgres).as("prod uses an external Postgres").isEmpty();
		}
	}

	@Test
	void devDatasourceUrlNamesTheDevPostgresService() {
		String url = find("dev", Secret.class, "user-profile-db").orElseThrow().getStringData().get("url");
		Service postgres = find("dev", Service.class, "postgres").orElseThrow();

		assertThat(url).startsWith("jdbc:postgresql://" + postgres.getMetadata().getName() + ":"
				+ postgres.getSpec().getPorts().get(0).getPort() + "/");
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void theImageComesFromTheOverlayWithARegistryAndAFixedTag(String overlay) {
		String image = appContainer(overlay).getImage();

		assertThat(image).as("registry/name:tag").matches("[a-z0-9.:-]+/[a-z0-9./-]+:[A-Za-z0-9._-]+");
		assertThat(image).doesNotEndWith(":latest");
		if (image.endsWith(":dev")) {
			assertThat(appContainer(overlay).getImagePullPolicy()).as("a moving tag is pulled").isEqualTo("Always");
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void theNamespaceEnforcesTheRestrictedPodSecurityStandardAndPodsPassIt(String overlay) {
		Namespace namespace = all(overlay, Namespace.class).get(0);
		assertThat(namespace.getMetadata().getLabels()).containsEntry("pod-security.kubernetes.io/enforce",
				"restricted");
		// The restricted profile's checks
		// (kubernetes.io/docs/concepts/security/pod-security-standards).
		podTemplates(overlay).forEach((workload, template) -> {
			PodSpec pod = template.getSpec();
			assertThat(pod.getHostNetwork()).as(workload).isNotEqualTo(Boolean.TRUE);
			assertThat(pod.getHostPID()).as(workload).isNotEqualTo(Boolean.TRUE);
			assertThat(pod.getHostIPC()).as(workload).isNotEqualTo(Boolean.TRUE);
			assertThat(pod.getVolumes()).as(workload).allSatisfy((volume) -> assertThat(volume.getHostPath()).isNull());
			List<Container> containers = new ArrayList<>(pod.getContainers());
			containers.addAll(Optional.ofNullable(pod.getInitContainers()).orElse(List.of()));
			for (Container container : containers) {
				String name = workload + "/" + container.getName();
				var context = container.getSecurityContext();
				assertThat(context).as(name + " securityContext").isNotNull();
				assertThat(context.getPrivileged()).as(name).isNotEqualTo(Boolean.TRUE);
				assertThat(context.getAllowPrivilegeEscalation()).as(name).isFalse();
				assertThat(context.getCapabilities().getDrop()).as(name).contains("ALL");
				assertThat(Optional.ofNullable(context.getCapabilities().getAdd()).orElse(List.of())).as(name)
					.isSubsetOf("NET_BIND_SERVICE");
				boolean nonRoot = Boolean.TRUE.equals(context.getRunAsNonRoot())
						|| Boolean.TRUE.equals(pod.getSecurityContext().getRunAsNonRoot());
				assertThat(nonRoot).as(name + " runAsNonRoot").isTrue();
				String seccomp = (context.getSeccompProfile() != null) ? context.getSeccompProfile().getType()
						: pod.getSecurityContext().getSeccompProfile().getType();
				assertThat(seccomp).as(name + " seccomp").isIn("RuntimeDefault", "Localhost");
			}
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void disruptionBudgetsLetUnhealthyPodsBeEvicted(String overlay) {
		assertThat(all(overlay, PodDisruptionBudget.class)).hasSize(2)
			.allSatisfy(
					(budget) -> assertThat(budget.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void theApiIsOpenToTheClusterAndActuatorOnlyToMonitoring(String overlay) {
		NetworkPolicy policy = find(overlay, NetworkPolicy.class, APP).orElseThrow();
		assertThat(policy.getSpec().getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/name", APP);
		Map<Integer, List<NetworkPolicyPeer>> peersByPort = new HashMap<>();
		for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
			for (NetworkPolicyPort port : rule.getPorts()) {
				peersByPort.computeIfAbsent(port.getPort().getIntVal(), (key) -> new ArrayList<>())
					.addAll(rule.getFrom());
			}
		}
		assertThat(peersByPort).containsOnlyKeys(8080, 8081);
		assertThat(peersByPort.get(8080)).singleElement()
			.satisfies((peer) -> assertThat(peer.getNamespaceSelector().getMatchLabels()).isNullOrEmpty());
		assertThat(peersByPort.get(8081)).singleElement().satisfies((peer) -> {
			assertThat(peer.getPodSelector()).isNull();
			assertThat(peer.getNamespaceSelector().getMatchLabels())
				.isEqualTo(Map.of("kubernetes.io/metadata.name", "monitoring"));
		});
	}

	/**
	 * Every pod the autoscaler may run, plus those a rollout adds, each with a full pool,
	 * and Postgres' reserved superuser connections must fit Postgres' max_connections.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "dev", "prod" })
	void connectionBudgetFitsPostgresMaxConnections(String overlay) {
		int maxReplicas = find(overlay, HorizontalPodAutoscaler.class, APP).orElseThrow().getSpec().getMaxReplicas();
		var strategy = deployment(overlay).getSpec().getStrategy();
		IntOrString maxSurge = (strategy != null && strategy.getRollingUpdate() != null)
				? strategy.getRollingUpdate().getMaxSurge() : null;
		int surge = (maxSurge == null) ? (int) Math.ceil(maxReplicas * 0.25)
				: (maxSurge.getStrVal() != null)
						? (int) Math.ceil(maxReplicas * Integer.parseInt(maxSurge.getStrVal().replace("%", "")) / 100.0)
						: maxSurge.getIntVal();
		int poolSize = application.at("/spring/datasource/hikari/maximum-pool-size").asInt();
		assertThat(appContainer(overlay).getEnv()).noneMatch((variable) -> variable.getName().contains("POOLSIZE"));
		int maxConnections = overlay.equals("dev")
				? find(overlay, StatefulSet.class, "postgres").orElseThrow()
					.getSpec()
					.getTemplate()
					.getSpec()
					.getContainers()
					.get(0)
					.getArgs()
					.stream()
					.filter((arg) -> arg.startsWith("max_connections="))
					.map((arg) -> Integer.parseInt(arg.substring("max_connections=".length())))
					.findFirst()
					.orElseThrow()
				: Integer.parseInt(deployment(overlay).getMetadata()
					.getAnnotations()
					.get("user-profiles.dev/postgres-max-connections"));
		int superuserReserved = 3;

		int budget = (maxReplicas + surge) * poolSize + superuserReserved;
		System.out.printf("[k8s] %s: (%d pods + %d surge) x %d connections + %d reserved = %d of %d%n", overlay,
				maxReplicas, surge, poolSize, superuserReserved, budget, maxConnections);
		assertThat(poolSize).isPositive();
		assertThat(budget).isLessThanOrEqualTo(maxConnections);
	}

	// --- rendering

	private static List<HasMetadata> objects(String overlay) {
		return rendered.computeIfAbsent(overlay, KubernetesManifestsTests::render);
	}

	private static List<HasMetadata> render(String overlay) {
		List<HasMetadata> objects = new ArrayList<>();
		for (ObjectNode object : Kustomize.render(K8S.resolve("overlays").resolve(overlay))) {
			objects.add(KubernetesModel.typed(object, "overlay " + overlay));
		}
		return objects;
	}

	private static <T extends HasMetadata> List<T> all(String overlay, Class<T> type) {
		return objects(overlay).stream().filter(type::isInstance).map(type::cast).toList();
	}

	private static <T extends HasMetadata> Optional<T> find(String overlay, Class<T> type, String name) {
		return all(overlay, type).stream().filter((object) -> object.getMetadata().getName().equals(name)).findFirst();
	}

	private static Deployment deployment(String overlay) {
		return find(overlay, Deployment.class, APP).orElseThrow();
	}

	private static Container migrateContainer(String overlay) {
		return deployment(overlay).getSpec()
			.getTemplate()
			.getSpec()
			.getInitContainers()
			.stream()
			.filter((container) -> container.getName().equals("migrate"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no init container 'migrate' in " + overlay));
	}

	private static EnvVar env(Container container, String name) {
		return container.getEnv()
			.stream()
			.filter((variable) -> variable.getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError(container.getName() + " has no " + name));
	}

	/**
	 * The files in the directory the container's {@code SPRING_CONFIG_IMPORT} imports as
	 * a configtree, from the projected volume mounted there.
	 */
	private static List<String> secretFiles(String overlay, Container container) {
		String directory = env(container, "SPRING_CONFIG_IMPORT").getValue().replaceFirst("^configtree:", "");
		String volume = container.getVolumeMounts()
			.stream()
			.filter((mount) -> directory.startsWith(mount.getMountPath()))
			.findFirst()
			.orElseThrow(() -> new AssertionError(container.getName() + " mounts nothing at " + directory))
			.getName();
		return deployment(overlay).getSpec()
			.getTemplate()
			.getSpec()
			.getVolumes()
			.stream()
			.filter((candidate) -> candidate.getName().equals(volume))
			.flatMap((candidate) -> candidate.getProjected().getSources().stream())
			.flatMap((source) -> source.getSecret().getItems().stream())
			.map((item) -> item.getPath())
			.toList();
	}

	private static Container appContainer(String overlay) {
		return deployment(overlay).getSpec().getTemplate().getSpec().getContainers().get(0);
	}

	/** Pod templates by "Kind/name" of every workload. */
	private static Map<String, PodTemplateSpec> podTemplates(String overlay) {
		Map<String, PodTemplateSpec> templates = new HashMap<>();
		all(overlay, Deployment.class)
			.forEach((d) -> templates.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate()));
		all(overlay, StatefulSet.class)
			.forEach((s) -> templates.put("StatefulSet/" + s.getMetadata().getName(), s.getSpec().getTemplate()));
		all(overlay, Job.class)
			.forEach((j) -> templates.put("Job/" + j.getMetadata().getName(), j.getSpec().getTemplate()));
		return templates;
	}

	private static boolean matches(LabelSelector selector, PodTemplateSpec template) {
		assertThat(selector.getMatchExpressions()).as("only matchLabels are checked").isNullOrEmpty();
		Map<String, String> wanted = selector.getMatchLabels();
		return wanted != null && !wanted.isEmpty()
				&& template.getMetadata().getLabels().entrySet().containsAll(wanted.entrySet());
	}

	private static boolean allows(NetworkPolicy policy, PodTemplateSpec from, int port) {
		for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
			boolean peer = rule.getFrom()
				.stream()
				.anyMatch((p) -> p.getPodSelector() != null && matches(p.getPodSelector(), from));
			boolean onPort = rule.getPorts().stream().anyMatch((p) -> p.getPort().getIntVal() == port);
			if (peer && onPort) {
				return true;
			}
		}
		return false;
	}

	private static String probe(Probe probe, Container container) {
		IntOrString port = probe.getHttpGet().getPort();
		int number = (port.getIntVal() != null) ? port.getIntVal()
				: container.getPorts()
					.stream()
					.filter((p) -> port.getStrVal().equals(p.getName()))
					.findFirst()
					.orElseThrow()
					.getContainerPort();
		return probe.getHttpGet().getPath() + " on " + number;
	}

	private static String argument(List<String> args, String flag) {
		int index = args.indexOf(flag);
		assertThat(index).as("%s in %s", flag, args).isNotNegative().isLessThan(args.size() - 1);
		return args.get(index + 1);
	}

	private static int serverPort() {
		return application.at("/server/port").asInt(8080);
	}

	private static JsonNode applicationYaml() {
		try (InputStream in = KubernetesManifestsTests.class.getClassLoader().getResourceAsStream("application.yml")) {
			assertThat(in).as("application.yml on the classpath").isNotNull();
			return KubernetesModel.YAML.readTree(in);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static List<Path> yamlFiles() throws IOException {
		assertThat(K8S).as("k8s/ in %s", Path.of("").toAbsolutePath()).isDirectory();
		try (Stream<Path> files = Files.walk(K8S)) {
			return files.filter((file) -> file.toString().endsWith(".yaml") || file.toString().endsWith(".yml"))
				.sorted()
				.toList();
		}
	}

}
