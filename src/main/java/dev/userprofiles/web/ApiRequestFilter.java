package dev.userprofiles.web;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A filter for the API's requests ({@code /users...}) only: probes, Actuator, the API
 * description and error dispatches pass untouched.
 */
abstract class ApiRequestFilter extends OncePerRequestFilter {

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return !request.getRequestURI().startsWith("/users");
	}

}
