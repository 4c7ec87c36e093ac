package dev.userprofiles.web;

import java.util.List;
import java.util.Map;

import dev.userprofiles.profile.ProfileScopes;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

import org.springdoc.core.customizers.OpenApiCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI 3 description ({@code /v3/api-docs}) and Swagger UI
 * ({@code /swagger-ui.html}) that springdoc generates from the controllers, with the
 * bearer-token scheme every call needs. Both are served on the API port without a token:
 * the contract is not secret, and "Try it out" asks for a token.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

	static final String BEARER = "bearer-jwt";

	private static final String PROBLEM = "Problem";

	/** What any operation may answer besides its own outcomes (in the controller). */
	private static final Map<String, String> COMMON_RESPONSES = Map.of("400",
			"A parameter, header or the body is invalid; 'errors' lists the fields", "401", "No valid bearer token",
			"403", "The token's scope, or the caller's ownership, does not allow this", "406",
			"Accept names no type this operation produces", "429",
			"Over the client's rate limit (profiles.rate-limit); see the RateLimit headers", "503",
			"Postgres unreachable, over profiles.web.max-concurrent-requests, or a write not yet confirmed on "
					+ "every instance; retry after Retry-After");

	@Bean
	OpenAPI profilesOpenApi() {
		return new OpenAPI()
			.info(new Info().title("User profile service")
				.version("v1")
				.description("Profiles served through a Redis Cluster cache with Postgres as the source of truth. "
						+ "Scopes: " + ProfileScopes.READ + " (read one), " + ProfileScopes.WRITE
						+ " (create, change or delete one's own), " + ProfileScopes.ADMIN + " (list, and change any)."))
			.components(new Components().addSecuritySchemes(BEARER,
					new SecurityScheme().type(SecurityScheme.Type.HTTP)
						.scheme("bearer")
						.bearerFormat("JWT")
						.description("A JWT from the configured issuer; its scope claim decides what it may do")))
			.addSecurityItem(new SecurityRequirement().addList(BEARER));
	}

	/**
	 * Documents every error as what it is, an RFC 9457 problem, and adds the answers
	 * every operation can give, so generated contract tests hold the service to them.
	 */
	@Bean
	OpenApiCustomizer documentedProblems() {
		return (openApi) -> {
			// springdoc writes @Size(max = n) as minLength 0 too; generators then fuzz
			// "shorter than 0" as the empty string, which is valid.
			for (Schema<?> schema : openApi.getComponents().getSchemas().values()) {
				if (schema.getProperties() != null) {
					for (Schema<?> property : schema.getProperties().values()) {
						if (Integer.valueOf(0).equals(property.getMinLength())) {
							property.setMinLength(null);
						}
					}
				}
			}
			openApi.getComponents().addSchemas(PROBLEM, problemSchema());
			Content problem = new Content().addMediaType(
					org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE,
					new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM)));
			openApi.getPaths().values().forEach((path) -> path.readOperations().forEach((operation) -> {
				// A 204 has no body to negotiate: no 406 (the DELETE).
				boolean noContent = operation.getResponses().containsKey("204");
				COMMON_RESPONSES.entrySet()
					.stream()
					.filter((common) -> !(noContent && common.getKey().equals("406")))
					.sorted(Map.Entry.comparingByKey())
					.forEach((common) -> operation.getResponses()
						.putIfAbsent(common.getKey(), new ApiResponse().description(common.getValue())));
				operation.getResponses().forEach((code, response) -> {
					if (code.startsWith("4") || code.startsWith("5")) {
						response.setContent(problem);
					}
				});
			}));
		};
	}

	private static Schema<?> problemSchema() {
		ObjectSchema fieldError = new ObjectSchema();
		fieldError.addProperty("field", new StringSchema());
		fieldError.addProperty("message", new StringSchema());
		ObjectSchema schema = new ObjectSchema();
		schema.description("RFC 9457 problem details; 'errors' only on 400 with invalid fields");
		schema.addProperty("type", new StringSchema().format("uri-reference"));
		schema.addProperty("title", new StringSchema());
		schema.addProperty("status", new IntegerSchema());
		schema.addProperty("detail", new StringSchema());
		schema.addProperty("instance", new StringSchema().format("uri-reference"));
		schema.addProperty("errors", new ArraySchema().items(fieldError));
		schema.setRequired(List.of("type", "title", "status", "detail", "instance"));
		return schema;
	}

}
