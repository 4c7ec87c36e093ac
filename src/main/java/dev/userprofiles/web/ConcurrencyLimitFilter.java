package dev.userprofiles.web;

import java.io.IOException;
import java.util.concurrent.Semaphore;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * At most {@code profiles.web.max-concurrent-requests} API requests in progress per
 * instance; one more is answered at once with 503 and {@code Retry-After}, before any
 * work. Requests waiting for a lease or a database connection, or slow clients, then hold
 * some request threads, never all of them: the probes and the other requests still get
 * theirs.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class ConcurrencyLimitFilter extends ApiRequestFilter {

	private final Semaphore permits;

	private final ProblemResponses problems;

	ConcurrencyLimitFilter(RequestLimitProperties properties, ProblemResponses problems) {
		this.permits = new Semaphore(properties.maxConcurrentRequests());
		this.problems = problems;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!this.permits.tryAcquire()) {
			response.setHeader(HttpHeaders.RETRY_AFTER, "1");
			this.problems.write(response, request, ProblemResponses
				.serviceUnavailable("This instance is serving as many requests as it may; retry shortly"));
			return;
		}
		try {
			chain.doFilter(request, response);
		}
		finally {
			this.permits.release();
		}
	}

}
