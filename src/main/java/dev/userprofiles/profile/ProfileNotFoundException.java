package dev.userprofiles.profile;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * No profile has the requested id (404).
 */
class ProfileNotFoundException extends ErrorResponseException {

	ProfileNotFoundException(long id) {
		super(HttpStatus.NOT_FOUND, problem(id), null);
	}

	private static ProblemDetail problem(long id) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No profile with id " + id);
		problem.setType(URI.create("/problems/profile-not-found"));
		problem.setTitle("Profile not found");
		return problem;
	}

}
