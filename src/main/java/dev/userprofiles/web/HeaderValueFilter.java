package dev.userprofiles.web;

import java.io.IOException;
import java.util.Collections;
import java.util.List;

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
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.StrictHttpFirewall;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses, before any other code reads a header, a request whose headers cannot be read:
 * <ul>
 * <li>values Spring Security's firewall does not allow (control or unassigned
 * characters): 400. The firewall checks a header only when it is read, and throws from
 * wherever that is: inside a controller reading {@code If-Match} that became a 500 (found
 * by the mutation fuzzer of issue 16), in content negotiation a 400 without a body;</li>
 * <li>a {@code Content-Type} or {@code Accept} that Spring Framework 7.0's
 * {@code MimeTypeUtils} fails on with a {@code StringIndexOutOfBoundsException} instead
 * of its {@code InvalidMediaTypeException} (a value such as {@code "a/b}, found by the
 * request fuzz test): 415 or 406, what Spring answers for other unparseable ones.</li>
 * </ul>
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class HeaderValueFilter extends OncePerRequestFilter {

	private final HttpFirewall firewall = new StrictHttpFirewall();

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
		if (!parses(Collections.list(request.getHeaders(HttpHeaders.CONTENT_TYPE)))) {
			this.problems.write(response, request, ProblemResponses.forStatus(HttpStatus.UNSUPPORTED_MEDIA_TYPE));
			return;
		}
		if (!parses(Collections.list(request.getHeaders(HttpHeaders.ACCEPT)))) {
			this.problems.write(response, request, ProblemResponses.forStatus(HttpStatus.NOT_ACCEPTABLE));
			return;
		}
		chain.doFilter(request, response);
	}

	/**
	 * Whether Spring can parse these media types, or fails as it should: an
	 * {@link InvalidMediaTypeException} is answered by Spring MVC itself.
	 */
	private static boolean parses(List<String> mediaTypes) {
		try {
			MediaType.parseMediaTypes(mediaTypes);
			return true;
		}
		catch (InvalidMediaTypeException ex) {
			return true;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	private @Nullable String firstRejectedHeader(HttpServletRequest request) {
		HttpServletRequest checked;
		try {
			checked = this.firewall.getFirewalledRequest(request);
		}
		catch (RequestRejectedException ex) {
			// The URL: the security filter chain answers that one with its own 400.
			return null;
		}
		for (String name : Collections.list(request.getHeaderNames())) {
			try {
				Collections.list(checked.getHeaders(name));
			}
			catch (RequestRejectedException ex) {
				return printable(name);
			}
		}
		return null;
	}

	/** The header's name as far as it can be shown back to the client. */
	private static String printable(String name) {
		return name.codePoints()
			.filter((c) -> c >= 0x20 && c < 0x7f)
			.collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
			.toString();
	}

}
