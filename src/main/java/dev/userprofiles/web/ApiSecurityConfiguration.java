package dev.userprofiles.web;

import dev.userprofiles.profile.ProfileScopes;

import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Every API call needs a JWT bearer token (any OIDC provider, configured by Boot's
 * {@code spring.security.oauth2.resourceserver.jwt.*}) with the scope of the call. The
 * probes are open, for kubelets and load balancers; so is Actuator, which listens on the
 * management port only and is fenced by the network (NetworkPolicy), not by tokens, so
 * Prometheus needs none.
 * <p>
 * 401 and 403 carry Spring Security's {@code WWW-Authenticate} header and a problem body.
 * Authorized requests then pass the per-client rate limit ({@link RateLimitFilter}); an
 * address whose requests failed authentication too often is refused before its token is
 * verified ({@link FailedAuthenticationFilter}).
 */
@Configuration(proxyBeanMethods = false)
class ApiSecurityConfiguration {

	private static final String[] READ = { ProfileScopes.READ_AUTHORITY, ProfileScopes.ADMIN_AUTHORITY };

	private static final String[] WRITE = { ProfileScopes.WRITE_AUTHORITY, ProfileScopes.ADMIN_AUTHORITY };

	/**
	 * No observation of each security filter, authentication and authorization. Without
	 * this bean Spring Security wraps every filter of the chain in an observing
	 * decorator, even when {@code management.observations.enable.spring.security} turns
	 * the observations themselves off; {@code http.server.requests} and the trace's
	 * server span already time the whole request.
	 */
	@Bean
	static SecurityObservationSettings securityObservationSettings() {
		return SecurityObservationSettings.noObservations();
	}

	@Bean
	SecurityFilterChain apiSecurity(HttpSecurity http, ProblemResponses problems, ClientRateLimits rateLimits,
			FailedAuthentications failedAuthentications) {
		// Spring Security's bearer-token handlers set the status and WWW-Authenticate;
		// the problem body is added here.
		AuthenticationEntryPoint bearerChallenge = new BearerTokenAuthenticationEntryPoint();
		AuthenticationEntryPoint unauthenticated = (request, response, ex) -> {
			failedAuthentications.recordFailure(request.getRemoteAddr());
			bearerChallenge.commence(request, response, ex);
			problems.write(response, request, problem(HttpStatus.UNAUTHORIZED, "A valid bearer token is required"));
		};
		AccessDeniedHandler bearerDenial = new BearerTokenAccessDeniedHandler();
		AccessDeniedHandler forbidden = (request, response, ex) -> {
			bearerDenial.handle(request, response, ex);
			problems.write(response, request,
					problem(HttpStatus.FORBIDDEN, "The token lacks the scope this request needs"));
		};
		// The API's rules first: the matchers are tried in order on every request, and
		// GET /users/{id} is the hot path.
		http.authorizeHttpRequests((requests) -> requests.requestMatchers(HttpMethod.GET, "/users/*")
			.hasAnyAuthority(READ)
			.requestMatchers(HttpMethod.GET, "/users")
			.hasAuthority(ProfileScopes.ADMIN_AUTHORITY)
			.requestMatchers(HttpMethod.POST, "/users")
			.hasAnyAuthority(WRITE)
			.requestMatchers(HttpMethod.PUT, "/users/*")
			.hasAnyAuthority(WRITE)
			.requestMatchers(HttpMethod.DELETE, "/users/*")
			.hasAnyAuthority(WRITE)
			.requestMatchers("/livez", "/readyz", "/error")
			.permitAll()
			// The API's description and Swagger UI (OpenApiConfiguration).
			.requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
			.permitAll()
			.requestMatchers(EndpointRequest.toAnyEndpoint())
			.permitAll()
			// Anything else (other methods, unknown paths) still needs a valid token,
			// then gets its 404 or 405.
			.anyRequest()
			.authenticated())
			.oauth2ResourceServer((resourceServer) -> resourceServer.jwt(Customizer.withDefaults())
				.authenticationEntryPoint(unauthenticated)
				.accessDeniedHandler(forbidden))
			.exceptionHandling(
					(exceptions) -> exceptions.authenticationEntryPoint(unauthenticated).accessDeniedHandler(forbidden))
			// Bearer tokens only: no session, no cookies, hence nothing for CSRF to
			// protect.
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.csrf(AbstractHttpConfigurer::disable)
			.requestCache(AbstractHttpConfigurer::disable)
			// No login, hence no logout.
			.logout(AbstractHttpConfigurer::disable)
			.anonymous(Customizer.withDefaults())
			// Addresses that failed authentication too often: refused before verifying.
			.addFilterBefore(new FailedAuthenticationFilter(failedAuthentications, problems),
					BearerTokenAuthenticationFilter.class)
			// Authorized requests only: the client is the token's subject.
			.addFilterAfter(new RateLimitFilter(rateLimits, problems), AuthorizationFilter.class);
		return http.build();
	}

	private static ProblemDetail problem(HttpStatus status, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		ProblemResponses.ensureType(problem);
		return problem;
	}

}
