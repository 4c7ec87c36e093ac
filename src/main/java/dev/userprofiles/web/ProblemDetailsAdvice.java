package dev.userprofiles.web;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import dev.userprofiles.cache.CacheInvalidationException;
import dev.userprofiles.logging.RateLimitedLog;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.hibernate.TransactionException;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import org.springframework.beans.TypeMismatchException;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every failure into an RFC 9457 problem: Spring MVC's own exceptions through the
 * base class, bad input as 400 with the offending fields listed, an unreachable database
 * as 503 with {@code Retry-After}, anything unexpected as a 500 without internals.
 */
@RestControllerAdvice
class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {

	private static final Log logger = LogFactory.getLog(ProblemDetailsAdvice.class);

	/** Seconds a client should wait before retrying while the database is unreachable. */
	private static final String RETRY_AFTER_SECONDS = "5";

	private final RateLimitedLog unacknowledgedWrites;

	private final RateLimitedLog databaseUnavailable;

	ProblemDetailsAdvice(RequestLimitProperties properties) {
		this.unacknowledgedWrites = new RateLimitedLog(logger, properties.warningLogInterval());
		this.databaseUnavailable = new RateLimitedLog(logger, properties.warningLogInterval());
	}

	@Override
	protected @Nullable ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		return respond(ex,
				invalidFields(ex.getBindingResult()
					.getFieldErrors()
					.stream()
					.map((error) -> fieldError(error.getField(), error))
					.toList()),
				headers, request);
	}

	@Override
	protected @Nullable ResponseEntity<Object> handleHandlerMethodValidationException(
			HandlerMethodValidationException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		return respond(ex,
				invalidFields(ex.getParameterValidationResults()
					.stream()
					.flatMap((result) -> result.getResolvableErrors()
						.stream()
						// A request body's errors name its fields; a path variable's or
						// parameter's, itself.
						.map((error) -> fieldError((error instanceof FieldError field) ? field.getField()
								: String.valueOf(result.getMethodParameter().getParameterName()), error)))
					.toList()),
				headers, request);
	}

	@Override
	protected @Nullable ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
			HttpStatusCode status, WebRequest request) {
		String name = (ex.getPropertyName() != null) ? ex.getPropertyName() : "parameter";
		ProblemDetail problem = ProblemResponses.invalidRequest("'" + name + "' has an invalid value");
		problem.setProperty("errors", List.of(Map.of("field", name, "message",
				"has an invalid value: '" + abbreviate(String.valueOf(ex.getValue())) + "'")));
		return respond(ex, problem, headers, request);
	}

	@Override
	protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		RequestBodyLimitFilter.BodyTooLargeException tooLarge = findCause(ex,
				RequestBodyLimitFilter.BodyTooLargeException.class);
		ProblemDetail problem = (tooLarge != null) ? ProblemResponses.payloadTooLarge(tooLarge.maxBytes())
				: ProblemResponses.invalidRequest(describeUnreadableBody(ex));
		return respond(ex, problem, headers, request);
	}

	/**
	 * Gives Spring MVC's own problems (405, 406, 415, ...) an explicit {@code type}, so
	 * every problem this API sends has all five RFC 9457 members.
	 */
	@Override
	protected ResponseEntity<Object> createResponseEntity(@Nullable Object body, HttpHeaders headers,
			HttpStatusCode statusCode, WebRequest request) {
		if (body instanceof ProblemDetail problem) {
			ProblemResponses.ensureType(problem);
		}
		return super.createResponseEntity(body, headers, statusCode, request);
	}

	/**
	 * The write committed, but its invalidation is not confirmed on every instance: not a
	 * success, since another instance may still serve the older version.
	 */
	@ExceptionHandler(CacheInvalidationException.class)
	ResponseEntity<ProblemDetail> handleUnconfirmedInvalidation(CacheInvalidationException ex) {
		this.unacknowledgedWrites.warn(() -> "Write not acknowledged: " + ex.getMessage());
		ProblemDetail problem = ProblemResponses
			.serviceUnavailable("The change was saved but could not yet be confirmed on every instance; read the "
					+ "profile again or retry later");
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
			.body(problem);
	}

	/** A caller with the right scope who may not touch this profile (not its owner). */
	@ExceptionHandler(AccessDeniedException.class)
	ResponseEntity<ProblemDetail> handleAccessDenied(AccessDeniedException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, ex.getMessage());
		ProblemResponses.ensureType(problem);
		return ResponseEntity.status(HttpStatus.FORBIDDEN).body(problem);
	}

	@ExceptionHandler({ CannotCreateTransactionException.class, DataAccessResourceFailureException.class,
			TransientDataAccessException.class })
	ResponseEntity<ProblemDetail> handleDatabaseUnavailable(Exception ex) {
		this.databaseUnavailable.warn(() -> "Database unavailable: " + ex.getMessage());
		ProblemDetail problem = ProblemResponses
			.serviceUnavailable("The profile store is temporarily unavailable; retry later");
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
			.body(problem);
	}

	/**
	 * A header value Spring Security's firewall refuses when it is read; the
	 * {@link HeaderValueFilter} refuses those first, this answers any it could not see.
	 */
	@ExceptionHandler(RequestRejectedException.class)
	ResponseEntity<ProblemDetail> handleRejectedRequest(RequestRejectedException ex) {
		return ResponseEntity.badRequest()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(ProblemResponses.invalidRequest("The request has characters that are not allowed"));
	}

	/**
	 * Parameters Tomcat cannot read ({@code ?%zz=1}, too many, a form over its size):
	 * Tomcat 11 throws when they are first read instead of leaving them out (found by the
	 * mutation tests of issue 16; a 500 before). Its status, or 400.
	 */
	@ExceptionHandler(InvalidParameterException.class)
	ResponseEntity<ProblemDetail> handleUnreadableParameters(InvalidParameterException ex) {
		HttpStatus status = HttpStatus.resolve(ex.getErrorCode());
		ProblemDetail problem = (status != null && status.is4xxClientError()) ? ProblemResponses.forStatus(status)
				: ProblemResponses.invalidRequest("The request's parameters cannot be read");
		return ResponseEntity.status(problem.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<ProblemDetail> handleUnexpected(Exception ex) {
		if (lostDatabaseConnection(ex)) {
			return handleDatabaseUnavailable(ex);
		}
		logger.error("Unexpected failure", ex);
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
				"An unexpected error occurred");
		ProblemResponses.ensureType(problem);
		return ResponseEntity.internalServerError().body(problem);
	}

	/**
	 * Whether a connection to the database broke. A connection that dies mid-transaction
	 * makes the rollback fail too, and Spring then throws that rollback failure (a
	 * generic {@code JpaSystemException} around Hibernate's {@code TransactionException}
	 * and Hikari's state-less "Connection is closed") instead of the connection error.
	 * SQLState class 08 is "connection exception".
	 */
	private static boolean lostDatabaseConnection(Throwable ex) {
		Throwable cause = ex;
		for (int depth = 0; cause != null && depth < 32; depth++, cause = cause.getCause()) {
			if (cause instanceof TransactionException) {
				return true;
			}
			if (cause instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
				return true;
			}
		}
		return false;
	}

	private @Nullable ResponseEntity<Object> respond(Exception ex, ProblemDetail problem, HttpHeaders headers,
			WebRequest request) {
		return handleExceptionInternal(ex, problem, headers, HttpStatusCode.valueOf(problem.getStatus()), request);
	}

	private static ProblemDetail invalidFields(List<Map<String, String>> errors) {
		ProblemDetail problem = ProblemResponses.invalidRequest("The request has invalid fields or parameters");
		problem.setProperty("errors", errors);
		return problem;
	}

	private static Map<String, String> fieldError(String field, MessageSourceResolvable error) {
		String message = (error.getDefaultMessage() != null) ? error.getDefaultMessage() : "is invalid";
		if (error instanceof FieldError fieldError && fieldError.isBindingFailure()) {
			message = "has an invalid value";
		}
		return Map.of("field", field, "message", message);
	}

	/**
	 * Says what is wrong with the body in the client's terms, without parser internals.
	 */
	private static String describeUnreadableBody(HttpMessageNotReadableException ex) {
		JacksonException jackson = findCause(ex, JacksonException.class);
		if (jackson == null) {
			return "The request body is missing or unreadable";
		}
		String field = jackson.getPath()
			.stream()
			.map((reference) -> (reference.getPropertyName() != null) ? reference.getPropertyName()
					: "[" + reference.getIndex() + "]")
			.reduce((left, right) -> left + "." + right)
			.orElse(null);
		if (jackson instanceof UnrecognizedPropertyException) {
			return "Unknown field '" + field + "'";
		}
		if (field != null
				&& (jackson instanceof InvalidFormatException || jackson instanceof MismatchedInputException)) {
			return "Field '" + field + "' has the wrong type or format";
		}
		return "The request body is not valid JSON for this resource";
	}

	private static @Nullable <T extends Throwable> T findCause(Throwable ex, Class<T> type) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return type.cast(cause);
			}
		}
		return null;
	}

	private static String abbreviate(String value) {
		return (value.length() > 64) ? value.substring(0, 64) + "..." : value;
	}

}
