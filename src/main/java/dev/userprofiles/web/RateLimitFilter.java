package dev.userprofiles.web;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.ConsumptionProbe;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Takes one request from the client's bucket ({@link ClientRateLimits}); a client whose
 * bucket is empty gets 429 with {@code Retry-After}. Every answer carries the
 * {@code RateLimit-Policy} and {@code RateLimit} headers of the IETF draft
 * (draft-ietf-httpapi-ratelimit-headers). Runs in the security filter chain after
 * authorization, so the client is the token's subject.
 */
class RateLimitFilter extends ApiRequestFilter {

	static final String POLICY = "\"per-client\"";

	private final ClientRateLimits limits;

	private final ProblemResponses problems;

	private final String policyHeader;

	RateLimitFilter(ClientRateLimits limits, ProblemResponses problems) {
		this.limits = limits;
		this.problems = problems;
		this.policyHeader = POLICY + ";q=" + limits.capacity() + ";w=" + Math.max(1, limits.period().toSeconds());
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		ConsumptionProbe probe = this.limits.tryConsume(client(request));
		response.setHeader("RateLimit-Policy", this.policyHeader);
		if (probe.isConsumed()) {
			response.setHeader("RateLimit",
					POLICY + ";r=" + probe.getRemainingTokens() + ";t=" + seconds(probe.getNanosToWaitForReset()));
			chain.doFilter(request, response);
			return;
		}
		long retryAfter = Math.max(1, seconds(probe.getNanosToWaitForRefill()));
		response.setHeader("RateLimit", POLICY + ";r=0;t=" + retryAfter);
		response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
		this.problems.write(response, request,
				ProblemResponses.rateLimited("Too many requests from this client; retry after " + retryAfter + " s"));
	}

	private static String client(HttpServletRequest request) {
		Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
		return (authentication != null && authentication.isAuthenticated()) ? "sub:" + authentication.getName()
				: "ip:" + request.getRemoteAddr();
	}

	static long seconds(long nanos) {
		return TimeUnit.NANOSECONDS.toSeconds(nanos + TimeUnit.SECONDS.toNanos(1) - 1);
	}

}
