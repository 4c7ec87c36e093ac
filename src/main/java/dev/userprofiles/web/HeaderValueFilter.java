package dev.userprofiles.web;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses, before anything reads them, the headers this service reads but cannot read:
 * <ul>
 * <li>values with characters Spring Security's firewall does not allow (controls other
 * than tab, unassigned code points; as Tomcat reads header bytes as ISO-8859-1, bytes
 * 0x80 to 0x9F too): 400. The firewall checks a header only when it is read, and throws
 * from wherever that is: inside a controller reading {@code If-Match} that became a 500
 * (found by a mutation fuzzer, issue 16), in content negotiation a 400 without a body.
 * Headers the service never reads (a {@code User-Agent} in raw UTF-8, say) pass;</li>
 * <li>a {@code Content-Type} or {@code Accept} on which Spring Framework 7.0's
 * {@code MimeTypeUtils} fails with a {@code StringIndexOutOfBoundsException} instead of
 * its {@code InvalidMediaTypeException} (a value such as {@code "a/b}, found by the
 * request fuzz test): 415 or 406, what Spring answers for other unparseable ones.</li>
 * </ul>
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class HeaderValueFilter extends OncePerRequestFilter {

	/** What Spring Security, Spring MVC and the API read (names are case-insensitive). */
	private static final List<String> READ_HEADERS = List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.ACCEPT,
			HttpHeaders.ACCEPT_LANGUAGE, HttpHeaders.CONTENT_TYPE, HttpHeaders.IF_MATCH, HttpHeaders.IF_NONE_MATCH,
			HttpHeaders.IF_MODIFIED_SINCE, HttpHeaders.IF_UNMODIFIED_SINCE, HttpHeaders.ORIGIN);

	/**
	 * Methods whose mappings declare what they consume, so Spring parses Content-Type.
	 */
	private static final Set<String> WITH_BODY = Set.of("POST", "PUT", "PATCH");

	private final ProblemResponses problems;

	HeaderValueFilter(ProblemResponses problems) {
		this.problems = problems;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String rejected = firstRejectedHeader(request);
		if (rejected != null) {
			this.problems.write(response, request, ProblemResponses
				.invalidRequest("The value of header '" + rejected + "' has characters that are not allowed"));
			return;
		}
		if (WITH_BODY.contains(request.getMethod()) && !parses(request.getHeaders(HttpHeaders.CONTENT_TYPE))) {
			this.problems.write(response, request, ProblemResponses.forStatus(HttpStatus.UNSUPPORTED_MEDIA_TYPE));
			return;
		}
		if (!parses(request.getHeaders(HttpHeaders.ACCEPT))) {
			this.problems.write(response, request, ProblemResponses.forStatus(HttpStatus.NOT_ACCEPTABLE));
			return;
		}
		chain.doFilter(request, response);
	}

	private static @Nullable String firstRejectedHeader(HttpServletRequest request) {
		for (String name : READ_HEADERS) {
			// The enumeration itself, not a list of it: this runs on every request.
			for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements();) {
				if (!isAllowed(values.nextElement())) {
					return name;
				}
			}
		}
		return null;
	}

	/**
	 * The default {@code StrictHttpFirewall}'s rule for header values,
	 * {@code [\p{IsAssigned}&&[[^\p{IsControl}]||\t]]*}, as a loop: this runs on every
	 * request.
	 */
	static boolean isAllowed(String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c != '\t' && (Character.isISOControl(c) || !Character.isDefined(c))) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Whether Spring can parse these media types, or fails as it should: an
	 * {@link InvalidMediaTypeException} is answered by Spring MVC itself.
	 */
	private static boolean parses(Enumeration<String> values) {
		if (!values.hasMoreElements()) {
			return true;
		}
		try {
			MediaType.parseMediaTypes(Collections.list(values));
			return true;
		}
		catch (InvalidMediaTypeException ex) {
			return true;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

}
