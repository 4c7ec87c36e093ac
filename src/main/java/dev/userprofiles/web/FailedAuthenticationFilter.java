package dev.userprofiles.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses, before its token is verified, a request from an address that has failed
 * authentication too often ({@link FailedAuthentications}): 429 with {@code Retry-After}.
 * Runs in the security filter chain before the bearer token filter.
 */
class FailedAuthenticationFilter extends OncePerRequestFilter {

	private final FailedAuthentications failures;

	private final ProblemResponses problems;

	FailedAuthenticationFilter(FailedAuthentications failures, ProblemResponses problems) {
		this.failures = failures;
		this.problems = problems;
	}

	/**
	 * Every request that carries credentials, whatever its path: the bearer token filter
	 * verifies a token sent to an open path ({@code /livez}) too. Requests without any
	 * (probes) cost no verification and pass.
	 */
	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return request.getHeader(HttpHeaders.AUTHORIZATION) == null;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Long nanos = this.failures.refusal(request.getRemoteAddr());
		if (nanos == null) {
			chain.doFilter(request, response);
			return;
		}
		long retryAfter = Math.max(1, RateLimitFilter.seconds(nanos));
		response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
		this.problems.write(response, request, ProblemResponses.rateLimited(
				"Too many requests from this address failed authentication; retry after " + retryAfter + " s"));
	}

}
