package dev.userprofiles.web;

import dev.userprofiles.profile.ProfileScopes;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

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

}
