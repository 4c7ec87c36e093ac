package dev.userprofiles.profile;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The username or e-mail address already belongs to another profile (409).
 */
class ProfileConflictException extends ErrorResponseException {

	ProfileConflictException(String field) {
		super(HttpStatus.CONFLICT, problem(field), null);
	}

	private static ProblemDetail problem(String field) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
				"The " + field + " is already taken (compared ignoring case)");
		problem.setType(URI.create("/problems/already-taken"));
		problem.setTitle("Already taken");
		problem.setProperty("field", field);
		return problem;
	}

}
