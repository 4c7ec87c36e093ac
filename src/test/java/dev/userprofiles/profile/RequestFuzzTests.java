package dev.userprofiles.profile;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestTokens;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.test.autoconfigure.MockMvcPrint;
import org.springframework.boot.webmvc.test.autoconfigure.SpringBootMockMvcBuilderCustomizer;
import org.springframework.http.HttpMethod;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.setup.DefaultMockMvcBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the request path: the whole service (filters, security,
 * controller, validation, cache, database) through {@code MockMvc}, with the request
 * drawn from the fuzzer's bytes. Every answer is below 500, every error is an
 * {@code application/problem+json} problem, and a refused request stores nothing.
 * <p>
 * An input is a request as text, so the committed ones read as requests: a line
 * {@code METHOD target}, header lines, an empty line and the body. In them
 * {@code {existing}} stands for a profile made for the run, and {@code {admin}} and
 * {@code {reader}} for tokens with all scopes and with {@code profiles:read} only.
 * {@code ./mvnw verify} runs the inputs in {@code RequestFuzzTestsInputs}; docs/tests.md
 * says how to fuzz for longer and keep what it finds.
 */
@ServiceTest
class RequestFuzzTests {

	private static final Pattern TOKEN = Pattern.compile("[A-Za-z]{1,10}");

	private static MockMvc mvc;

	private static Map<String, String> placeholders;

	@Autowired
	private WebApplicationContext context;

	@Autowired
	private JdbcTemplate jdbc;

	@LocalServerPort
	private int port;

	@FuzzTest(maxDuration = "5m")
	void everyRequestGetsAnAnswerBelow500AndARefusalStoresNothing(byte[] input) throws Exception {
		MockHttpServletRequestBuilder request;
		String method;
		try {
			request = parse(new String(input, StandardCharsets.UTF_8));
			method = request.buildRequest(this.context.getServletContext()).getMethod();
		}
		catch (URISyntaxException | IllegalArgumentException | StringIndexOutOfBoundsException ex) {
			// No request MockMvc can express: Tomcat refuses such targets and lengths
			// (BadInputTests, RequestMutationTests), and MockMvc parses Content-Type with
			// Spring's MimeTypeUtils, which fails so on some values (sent over HTTP by
			// RequestMutationTests).
			return;
		}
		String before = this.jdbc.queryForObject(RequestMutationTests.SNAPSHOT, String.class);

		MockHttpServletResponse response = mvc().perform(request).andReturn().getResponse();

		int status = response.getStatus();
		assertThat(status).as("status of %s", describe(input)).isLessThan(500);
		// Without an error message the service wrote the answer itself; with one, the
		// servlet container's error page does, which MockMvc does not run.
		if (status >= 400 && response.getErrorMessage() == null && response.getContentAsByteArray().length > 0
				&& !"HEAD".equals(method)) {
			assertThat(response.getContentType()).as("Content-Type of %s", describe(input))
				.startsWith("application/problem+json");
		}
		if (status >= 400) {
			assertThat(this.jdbc.queryForObject(RequestMutationTests.SNAPSHOT, String.class))
				.as("profiles after %s", describe(input))
				.isEqualTo(before);
		}
	}

	private MockMvc mvc() {
		if (mvc == null) {
			DefaultMockMvcBuilder builder = MockMvcBuilders.webAppContextSetup(this.context);
			SpringBootMockMvcBuilderCustomizer filters = new SpringBootMockMvcBuilderCustomizer(this.context);
			filters.setPrint(MockMvcPrint.NONE);
			filters.customize(builder);
			mvc = builder.build();
			long existing = new ApiClient(this.port).createProfile().get("id").asLong();
			TestTokens tokens = TestTokens.get();
			placeholders = Map.of("{existing}", Long.toString(existing), "{admin}", TestTokens.admin(), "{reader}",
					tokens.token("fuzz-reader", Duration.ofHours(1), ProfileScopes.READ));
		}
		return mvc;
	}

	/** A request from text: {@code METHOD target}, headers, an empty line, the body. */
	private MockHttpServletRequestBuilder parse(String text) throws URISyntaxException {
		mvc();
		for (Map.Entry<String, String> placeholder : placeholders.entrySet()) {
			text = text.replace(placeholder.getKey(), placeholder.getValue());
		}
		int end = text.indexOf("\n\n");
		String head = (end < 0) ? text : text.substring(0, end);
		String body = (end < 0) ? "" : text.substring(end + 2);
		String[] lines = head.split("\n", -1);
		String[] requestLine = lines[0].split(" ", 2);
		String method = TOKEN.matcher(requestLine[0]).matches() ? requestLine[0] : "GET";
		String target = (requestLine.length > 1) ? requestLine[1] : "/users";
		MockHttpServletRequestBuilder request = MockMvcRequestBuilders.request(HttpMethod.valueOf(method), uri(target));
		for (int i = 1; i < lines.length; i++) {
			int colon = lines[i].indexOf(':');
			if (colon > 0) {
				String name = lines[i].substring(0, colon).trim();
				String value = lines[i].substring(colon + 1).trim();
				if (name.equalsIgnoreCase("Content-Length") && !value.matches("[0-9]{1,18}")) {
					throw new IllegalArgumentException("Tomcat refuses such a Content-Length");
				}
				request.header(name, value);
			}
		}
		if (!body.isEmpty()) {
			request.content(body.getBytes(StandardCharsets.UTF_8));
		}
		return request;
	}

	/**
	 * The target as sent when it is a URI; otherwise with the characters a URI cannot
	 * hold percent-encoded, as a client would send it.
	 */
	private static URI uri(String target) throws URISyntaxException {
		String absolute = target.startsWith("/") ? target : "/" + target;
		try {
			return URI.create(absolute);
		}
		catch (IllegalArgumentException ex) {
			int query = absolute.indexOf('?');
			return (query < 0) ? new URI(null, null, absolute, null, null)
					: new URI(null, null, absolute.substring(0, query), absolute.substring(query + 1), null);
		}
	}

	private static String describe(byte[] input) {
		String text = new String(input, StandardCharsets.UTF_8);
		return (text.length() > 400) ? text.substring(0, 400) + "..." : text;
	}

}
