package dev.userprofiles.web;

import java.io.IOException;
import java.net.URI;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;

/**
 * The problem types of this API and a writer for the few places outside Spring MVC (a
 * servlet filter, the error page) that must answer with one too.
 */
@Component
class ProblemResponses {

	static final URI BLANK = URI.create("about:blank");

	static final URI INVALID_REQUEST = URI.create("/problems/invalid-request");

	static final URI PAYLOAD_TOO_LARGE = URI.create("/problems/payload-too-large");

	static final URI SERVICE_UNAVAILABLE = URI.create("/problems/service-unavailable");

	static final URI RATE_LIMITED = URI.create("/problems/rate-limited");

	private final JsonMapper jsonMapper;

	ProblemResponses(JsonMapper jsonMapper) {
		this.jsonMapper = jsonMapper;
	}

	static ProblemDetail invalidRequest(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
		problem.setType(INVALID_REQUEST);
		problem.setTitle("Invalid request");
		return problem;
	}

	static ProblemDetail serviceUnavailable(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, detail);
		problem.setType(SERVICE_UNAVAILABLE);
		problem.setTitle("Service unavailable");
		return problem;
	}

	static ProblemDetail rateLimited(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, detail);
		problem.setType(RATE_LIMITED);
		problem.setTitle("Too many requests");
		return problem;
	}

	static ProblemDetail payloadTooLarge(long maxBytes) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
				"The request body is larger than " + maxBytes + " bytes");
		problem.setType(PAYLOAD_TOO_LARGE);
		problem.setTitle("Request body too large");
		return problem;
	}

	static ProblemDetail forStatus(HttpStatusCode status) {
		HttpStatus known = HttpStatus.resolve(status.value());
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status,
				(known != null) ? known.getReasonPhrase() : "HTTP status " + status.value());
		ensureType(problem);
		return problem;
	}

	/**
	 * Spring 7 leaves {@code type} unset, meaning {@code about:blank}; RFC 9457 allows
	 * that, but clients written against this API may rely on the member being present.
	 */
	static void ensureType(ProblemDetail problem) {
		if (problem.getType() == null) {
			problem.setType(BLANK);
		}
		if (problem.getTitle() == null) {
			HttpStatus known = HttpStatus.resolve(problem.getStatus());
			problem.setTitle((known != null) ? known.getReasonPhrase() : "Error");
		}
	}

	void write(HttpServletResponse response, HttpServletRequest request, ProblemDetail problem) throws IOException {
		if (problem.getInstance() == null) {
			problem.setInstance(URI.create(request.getRequestURI()));
		}
		response.setStatus(problem.getStatus());
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		this.jsonMapper.writeValue(response.getOutputStream(), problem);
	}

}
