package dev.userprofiles.profile;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The {@code If-Match} precondition names a version that is no longer current (412).
 */
class StaleProfileException extends ErrorResponseException {

	StaleProfileException(long id, String currentEtag) {
		super(HttpStatus.PRECONDITION_FAILED, problem(id, currentEtag), null);
	}

	private static ProblemDetail problem(long id, String currentEtag) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.PRECONDITION_FAILED,
				"Profile " + id + " has changed; its current ETag is " + currentEtag);
		problem.setType(URI.create("/problems/precondition-failed"));
		problem.setTitle("Precondition failed");
		return problem;
	}

}
