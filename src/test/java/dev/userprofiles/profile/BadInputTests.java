package dev.userprofiles.profile;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.TestTokens;
import dev.userprofiles.infra.WithoutInfrastructure;
import dev.userprofiles.web.WebLayer;
import org.assertj.core.api.SoftAssertions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.HttpMethod;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MockMvcTester.MockMvcRequestBuilder;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;
import static org.mockito.BDDMockito.then;

/**
 * A table of malformed requests against the web layer alone ({@code @WebMvcTest}: the
 * controller, the web module's filters, security and problem answers, strict JSON, with
 * the service a mock). Each one gets the right 4xx problem and never reaches the service,
 * so it cannot store anything. What only a real servlet container parses (raw URIs,
 * chunked bodies) is in {@link TomcatBadInputTests}; that a refused request leaves the
 * table unchanged end to end is checked for 262 more variants by
 * {@link RequestMutationTests}.
 */
@WebMvcTest(UserProfileController.class)
@WebLayer
@WithoutInfrastructure
class BadInputTests {

	/** Stands for the id of an existing profile: the service is never asked for it. */
	private static final String EXISTING = "42";

	private static final String JSON = "application/json";

	/** The default {@code profiles.web.max-request-body}. */
	private static final int MAX_BODY_BYTES = 16 * 1024;

	/** A valid username: what makes a body bad is the one thing each case changes. */
	private static final String HANDLE = ApiClient.uniqueHandle();

	@Autowired
	MockMvcTester mvc;

	@MockitoBean
	UserProfileService profiles;

	@ParameterizedTest
	@MethodSource("badRequests")
	void answersWithProblemAndNeverReachesTheService(BadRequest bad) {
		MockMvcRequestBuilder request = this.mvc.method(HttpMethod.valueOf(bad.method()))
			.uri(URI.create(bad.path()))
			.header("Authorization", "Bearer " + TestTokens.admin())
			.content(bad.body());
		if (bad.contentType() != null) {
			request.header("Content-Type", bad.contentType());
		}
		for (int i = 0; i < bad.headers().size(); i += 2) {
			request.header(bad.headers().get(i), bad.headers().get(i + 1));
		}

		MvcTestResult result = request.exchange();

		// Soft: a failing case reports all it got wrong.
		SoftAssertions softly = new SoftAssertions();
		int status = result.getResponse().getStatus();
		String contentType = String.valueOf(result.getResponse().getContentType());
		String responseBody = new String(result.getResponse().getContentAsByteArray(), StandardCharsets.UTF_8);
		String answer = status + " " + contentType + " " + responseBody;
		softly.assertThat(status).as("status of %s", answer).isEqualTo(bad.status());
		// Every answer carries a problem, a 406 too: RFC 9110 lets a 406 have a body,
		// and Spring falls back to application/problem+json for a ProblemDetail when
		// the client accepts nothing the resource produces.
		softly.assertThat(contentType).as("Content-Type of %s", answer).startsWith("application/problem+json");
		softly.assertThat(responseBody)
			.as("body of %s", answer)
			.doesNotContain("Exception", "at dev.", "dev.userprofiles", "tools.jackson", "java.",
					"org.springframework");
		if (contentType.startsWith("application/problem+json")) {
			assertProblem(softly, status, JsonMapper.shared().readTree(responseBody), answer, bad);
		}
		softly.assertAll();
		then(this.profiles).shouldHaveNoInteractions();
	}

	private static void assertProblem(SoftAssertions softly, int status, JsonNode problem, String answer,
			BadRequest bad) {
		softly.assertThat(problem.path("type").asString()).as("type of %s", answer).isNotBlank();
		softly.assertThat(problem.path("title").asString()).as("title of %s", answer).isNotBlank();
		softly.assertThat(problem.path("status").asInt()).as("status in %s", answer).isEqualTo(status);
		softly.assertThat(problem.path("detail").asString()).as("detail of %s", answer).isNotBlank();
		softly.assertThat(problem.path("instance").asString())
			.as("instance of %s", answer)
			.isEqualTo(withoutQuery(bad.path()));
		if (bad.invalidField() != null) {
			softly.assertThat(problem.path("errors").valueStream().map((error) -> error.path("field").asString()))
				.as("fields named in %s", answer)
				.contains(bad.invalidField());
		}
		if (bad.fieldInDetail() != null) {
			softly.assertThat(problem.path("detail").asString())
				.as("detail of %s", answer)
				.contains("'" + bad.fieldInDetail() + "'");
		}
	}

	static Stream<Arguments> badRequests() {
		List<Arguments> cases = new ArrayList<>();
		Map<String, BadRequest> bodies = badBodies();
		bodies.forEach((name, bad) -> cases.add(argumentSet("POST /users: " + name, bad)));
		bodies.forEach((name, bad) -> cases.add(argumentSet("PUT /users/{existing}: " + name, bad.asPutOnExisting())));
		badRequestsBesidesBodies().forEach((name, bad) -> cases.add(argumentSet(name, bad)));
		return cases.stream();
	}

	/** Bodies that neither a create nor a replace may accept, each as a POST. */
	private static Map<String, BadRequest> badBodies() {
		Map<String, BadRequest> cases = new LinkedHashMap<>();
		// Not JSON, or not one JSON object
		cases.put("truncated JSON", post("{\"username\": \"" + HANDLE + "\", \"email\": "));
		cases.put("form-encoded text", post("username=" + HANDLE + "&email=a%40example.com"));
		cases.put("empty body", post(""));
		cases.put("JSON null literal", post("null"));
		cases.put("JSON array", post("[" + validBody() + "]"));
		cases.put("bare JSON string", post("\"" + HANDLE + "\""));
		cases.put("bare JSON number", post("42"));
		cases.put("trailing garbage after the object", post(validBody() + " garbage"));
		cases.put("two objects", post(validBody() + validBody()));
		cases.put("duplicate key", post("{\"username\": \"" + HANDLE + "\", " + validBody().substring(1)));
		cases.put("single-quoted JSON", post(validBody().replace('"', '\'')));
		cases.put("JSON with a comment", post(validBody().replace("{", "{/* hi */")));
		cases.put("raw newline inside a string", post(validBodyWith("bio", "\"two\nlines\"")));
		cases.put("NaN as a value", post(validBodyWith("bio", "NaN")));
		cases.put("invalid UTF-8",
				new BadRequest("POST", "/users", JSON, withInvalidUtf8(validBody()), List.of(), 400, null, null));
		cases.put("nesting deeper than the parser allows",
				post(validBodyWith("displayName", "[".repeat(2000) + "]".repeat(2000))));
		cases.put("number longer than the parser allows", post(validBodyWith("displayName", "1".repeat(1500))));
		// Unknown fields and values of the wrong JSON type
		cases.put("unknown field", post(validBodyWith("admin", "true")).namingInDetail("admin"));
		cases.put("server-assigned id in the body", post(validBodyWith("id", "1")).namingInDetail("id"));
		cases.put("username is a number", post(validBodyWith("username", "123")).namingInDetail("username"));
		cases.put("email is a boolean", post(validBodyWith("email", "true")).namingInDetail("email"));
		cases.put("displayName is an object",
				post(validBodyWith("displayName", "{\"first\": \"Ada\"}")).namingInDetail("displayName"));
		cases.put("bio is an array", post(validBodyWith("bio", "[\"Writes tests\"]")).namingInDetail("bio"));
		cases.put("avatarUrl is a decimal", post(validBodyWith("avatarUrl", "1.5")).namingInDetail("avatarUrl"));
		cases.put("locale is a boolean", post(validBodyWith("locale", "false")).namingInDetail("locale"));
		// Missing or null required fields
		cases.put("empty object", post("{}").invalid("username"));
		cases.put("username missing", post(validBodyWithout("username")).invalid("username"));
		cases.put("email missing", post(validBodyWithout("email")).invalid("email"));
		cases.put("displayName missing", post(validBodyWithout("displayName")).invalid("displayName"));
		cases.put("username null", post(validBodyWith("username", "null")).invalid("username"));
		cases.put("email null", post(validBodyWith("email", "null")).invalid("email"));
		cases.put("displayName null", post(validBodyWith("displayName", "null")).invalid("displayName"));
		// Values that fail validation
		cases.put("username empty", post(validBodyWith("username", quoted(""))).invalid("username"));
		cases.put("username too short", post(validBodyWith("username", quoted("ab"))).invalid("username"));
		cases.put("username too long", post(validBodyWith("username", quoted("a".repeat(33)))).invalid("username"));
		cases.put("username with upper case", post(validBodyWith("username", quoted("Alice"))).invalid("username"));
		cases.put("username with a space and '!'",
				post(validBodyWith("username", quoted("al ice!"))).invalid("username"));
		cases.put("username with '@'", post(validBodyWith("username", quoted("alice@home"))).invalid("username"));
		cases.put("username with an escaped NUL",
				post(validBodyWith("username", quoted("abc\\u0000def"))).invalid("username"));
		cases.put("email empty", post(validBodyWith("email", quoted(""))).invalid("email"));
		cases.put("displayName with a NUL character",
				post(validBodyWith("displayName", quoted("Ada\\u0000Lovelace"))).invalid("displayName"));
		cases.put("bio with a NUL character", post(validBodyWith("bio", quoted("\\u0000"))).invalid("bio"));
		cases.put("email without '@'", post(validBodyWith("email", quoted("not-an-email"))).invalid("email"));
		cases.put("email over 254 characters", post(validBodyWith("email", quoted(longEmail()))).invalid("email"));
		cases.put("displayName empty", post(validBodyWith("displayName", quoted(""))).invalid("displayName"));
		cases.put("displayName blank", post(validBodyWith("displayName", quoted("   "))).invalid("displayName"));
		cases.put("displayName over 100 characters",
				post(validBodyWith("displayName", quoted("d".repeat(101)))).invalid("displayName"));
		cases.put("bio over 1000 characters", post(validBodyWith("bio", quoted("b".repeat(1001)))).invalid("bio"));
		cases.put("avatarUrl relative",
				post(validBodyWith("avatarUrl", quoted("/avatars/a.png"))).invalid("avatarUrl"));
		cases.put("avatarUrl with ftp scheme",
				post(validBodyWith("avatarUrl", quoted("ftp://example.com/a.png"))).invalid("avatarUrl"));
		cases.put("avatarUrl with javascript scheme",
				post(validBodyWith("avatarUrl", quoted("javascript:alert(1)"))).invalid("avatarUrl"));
		cases.put("avatarUrl without host",
				post(validBodyWith("avatarUrl", quoted("https:///a.png"))).invalid("avatarUrl"));
		cases.put("avatarUrl over 2048 characters",
				post(validBodyWith("avatarUrl", quoted("https://example.com/" + "p".repeat(2030))))
					.invalid("avatarUrl"));
		cases.put("locale 'english_UK'", post(validBodyWith("locale", quoted("english_UK"))).invalid("locale"));
		cases.put("locale 'en_GB'", post(validBodyWith("locale", quoted("en_GB"))).invalid("locale"));
		cases.put("locale 'x'", post(validBodyWith("locale", quoted("x"))).invalid("locale"));
		cases.put("locale empty", post(validBodyWith("locale", quoted(""))).invalid("locale"));
		// Bodies over the limit, declared up front or discovered while reading
		String oversized = jsonOfLength(MAX_BODY_BYTES + 1);
		cases.put("Content-Length one byte over the limit", post(oversized).status(413));
		// Content types the API does not read
		cases.put("text/plain", post(validBody()).contentType("text/plain").status(415));
		cases.put("application/xml",
				post("<profile><username>" + HANDLE + "</username></profile>").contentType("application/xml")
					.status(415));
		cases.put("no Content-Type", post(validBody()).contentType(null).status(415));
		cases.put("unparseable Content-Type", post(validBody()).contentType("json please").status(415));
		return cases;
	}

	private static Map<String, BadRequest> badRequestsBesidesBodies() {
		Map<String, BadRequest> cases = new LinkedHashMap<>();
		// Ids that are not positive 64-bit integers
		List<String> badIds = List.of("0", "-1", "abc", "1.5", "99999999999999999999", "9223372036854775808");
		for (String id : badIds) {
			cases.put("GET /users/" + id, request("GET", "/users/" + id).invalid("id"));
		}
		for (String id : badIds) {
			cases.put("PUT /users/" + id, post(validBody()).on("PUT", "/users/" + id).invalid("id"));
		}
		for (String id : badIds) {
			cases.put("DELETE /users/" + id, request("DELETE", "/users/" + id).invalid("id"));
		}
		// Not decimal, yet a lenient number parser would read each as 1; only read here,
		// so a lenient service cannot change or delete someone's profile.
		for (String id : List.of("0x1", "%231", "%201")) {
			cases.put("GET /users/" + id, request("GET", "/users/" + id).invalid("id"));
		}
		// Bad paging parameters; the offset parameter of earlier versions is refused, not
		// ignored, so an old client cannot page through the first page forever.
		for (String query : List.of("after=-1", "after=1.5", "after=abc", "after=9223372036854775808")) {
			cases.put("GET /users?" + query, request("GET", "/users?" + query).invalid("after"));
		}
		for (String query : List.of("page=0", "page=1&size=100")) {
			cases.put("GET /users?" + query, request("GET", "/users?" + query).invalid("page"));
		}
		for (String query : List.of("size=0", "size=-5", "size=abc")) {
			cases.put("GET /users?" + query, request("GET", "/users?" + query).invalid("size"));
		}
		// Methods the resources do not support
		cases.put("PATCH /users/{existing}",
				post(validBody()).on("PATCH", "/users/" + EXISTING)
					.contentType("application/merge-patch+json")
					.status(405));
		cases.put("DELETE /users", request("DELETE", "/users").status(405));
		cases.put("PUT /users", post(validBody()).on("PUT", "/users").status(405));
		cases.put("POST /users/{existing}", post(validBody()).on("POST", "/users/" + EXISTING).status(405));
		// Representations the API does not produce
		cases.put("GET /users/{existing} accepting only XML",
				request("GET", "/users/" + EXISTING).header("Accept", "application/xml").status(406));
		cases.put("GET /users accepting only text",
				request("GET", "/users").header("Accept", "text/plain").status(406));
		cases.put("POST /users accepting only XML", post(validBody()).header("Accept", "application/xml").status(406));
		return cases;
	}

	private static BadRequest post(String body) {
		return new BadRequest("POST", "/users", JSON, body.getBytes(StandardCharsets.UTF_8), List.of(), 400, null,
				null);
	}

	private static BadRequest request(String method, String path) {
		return new BadRequest(method, path, null, new byte[0], List.of(), 400, null, null);
	}

	private static String validBody() {
		return json(validFields());
	}

	private static String validBodyWith(String field, String rawJsonValue) {
		Map<String, String> fields = validFields();
		fields.put(field, rawJsonValue);
		return json(fields);
	}

	private static String validBodyWithout(String field) {
		Map<String, String> fields = validFields();
		fields.remove(field);
		return json(fields);
	}

	private static Map<String, String> validFields() {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("username", quoted(HANDLE));
		fields.put("email", quoted(HANDLE + "@example.com"));
		fields.put("displayName", quoted("Bad Input"));
		fields.put("bio", quoted("Sends malformed requests"));
		fields.put("avatarUrl", quoted("https://example.com/a.png"));
		fields.put("locale", quoted("en-GB"));
		return fields;
	}

	private static String json(Map<String, String> fields) {
		return fields.entrySet()
			.stream()
			.map((field) -> quoted(field.getKey()) + ": " + field.getValue())
			.collect(Collectors.joining(", ", "{", "}"));
	}

	private static String quoted(String value) {
		return "\"" + value + "\"";
	}

	/** A valid profile whose bio pads it to exactly {@code length} bytes. */
	private static String jsonOfLength(int length) {
		String withEmptyBio = validBodyWith("bio", quoted(""));
		String body = validBodyWith("bio", quoted("b".repeat(length - withEmptyBio.length())));
		assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(length);
		return body;
	}

	/** Well-formed, but longer than the 254 characters an address may have. */
	private static String longEmail() {
		String label = "d".repeat(60);
		return HANDLE + "@" + String.join(".", label, label, label, label, label) + ".com";
	}

	private static byte[] withInvalidUtf8(String body) {
		byte[] bytes = body.replace("Bad Input", "Bad ?Input").getBytes(StandardCharsets.UTF_8);
		for (int i = 0; i < bytes.length; i++) {
			if (bytes[i] == '?') {
				bytes[i] = (byte) 0xC3;
				bytes[i + 1] = (byte) 0x28;
			}
		}
		return bytes;
	}

	private static String withoutQuery(String path) {
		int query = path.indexOf('?');
		return (query < 0) ? path : path.substring(0, query);
	}

	/**
	 * One malformed request and what it must get.
	 *
	 * @param invalidField the field the problem's {@code errors} must name, if any
	 * @param fieldInDetail the field the problem's {@code detail} must name, if any
	 */
	record BadRequest(String method, String path, @Nullable String contentType, byte[] body, List<String> headers,
			int status, @Nullable String invalidField, @Nullable String fieldInDetail) {

		BadRequest on(String method, String path) {
			return new BadRequest(method, path, this.contentType, this.body, this.headers, this.status,
					this.invalidField, this.fieldInDetail);
		}

		BadRequest asPutOnExisting() {
			return on("PUT", "/users/" + EXISTING);
		}

		BadRequest contentType(@Nullable String contentType) {
			return new BadRequest(this.method, this.path, contentType, this.body, this.headers, this.status,
					this.invalidField, this.fieldInDetail);
		}

		BadRequest header(String name, String value) {
			List<String> headers = new ArrayList<>(this.headers);
			headers.add(name);
			headers.add(value);
			return new BadRequest(this.method, this.path, this.contentType, this.body, List.copyOf(headers),
					this.status, this.invalidField, this.fieldInDetail);
		}

		BadRequest status(int status) {
			return new BadRequest(this.method, this.path, this.contentType, this.body, this.headers, status,
					this.invalidField, this.fieldInDetail);
		}

		BadRequest invalid(String field) {
			return new BadRequest(this.method, this.path, this.contentType, this.body, this.headers, this.status, field,
					this.fieldInDetail);
		}

		BadRequest namingInDetail(String field) {
			return new BadRequest(this.method, this.path, this.contentType, this.body, this.headers, this.status,
					this.invalidField, field);
		}

		@Override
		public String toString() {
			return this.method + " " + this.path;
		}

	}

}
