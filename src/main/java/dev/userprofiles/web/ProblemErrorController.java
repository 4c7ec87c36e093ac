package dev.userprofiles.web;

import java.net.URI;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers errors raised outside Spring MVC (the servlet container, filters) with a
 * problem too, replacing Boot's default error body.
 */
@Hidden
@RestController
class ProblemErrorController implements ErrorController {

	@RequestMapping("${server.error.path:/error}")
	ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
		Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		// No status attribute: someone asked for /error itself, which is not a resource.
		HttpStatus status = (code instanceof Integer value && HttpStatus.resolve(value) != null)
				? HttpStatus.valueOf(value) : HttpStatus.NOT_FOUND;
		ProblemDetail problem = ProblemResponses.forStatus(status);
		Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
		if (uri instanceof String path) {
			problem.setInstance(URI.create(path));
		}
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

}
