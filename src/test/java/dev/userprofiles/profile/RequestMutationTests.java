package dev.userprofiles.profile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestTokens;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

/**
 * HTTP-level mutation tests: variants generated from valid requests (JSON values of the
 * wrong type, deep and huge documents, control and bidirectional characters, duplicated
 * keys, odd media types and charsets, malformed and repeated headers, odd path segments),
 * sent byte for byte over a socket, so Tomcat sees them as a client would send them.
 * Every answer is below 500, every error is {@code application/problem+json}, a refused
 * request stores nothing, and text the service accepts is stored as it was sent.
 */
@ServiceTest
@TestInstance(Lifecycle.PER_CLASS)
class RequestMutationTests {

	/** Stands for the id of the profile made before the variants run. */
	private static final String EXISTING = "{existing}";

	/** A fingerprint of the profile table: any insert, update or delete changes it. */
	static final String SNAPSHOT = "select count(*) || ':' || coalesce(sum(version), 0) || ':' "
			+ "|| coalesce(max(updated_at)::text, '') from user_profiles";

	private static final List<String> FIELDS = List.of("username", "email", "displayName", "bio", "avatarUrl",
			"locale");

	private static final Map<String, String> COLUMNS = Map.of("username", "username", "email", "email", "displayName",
			"display_name", "bio", "bio");

	private static final JsonMapper json = JsonMapper.shared();

	private final int port;

	private final JdbcTemplate jdbc;

	private final ApiClient api;

	private long existingId;

	RequestMutationTests(@LocalServerPort int port, @Autowired JdbcTemplate jdbc) {
		this.port = port;
		this.jdbc = jdbc;
		this.api = new ApiClient(port);
	}

	@BeforeAll
	void createExistingProfile() {
		this.existingId = this.api.createProfile().get("id").asLong();
	}

	@ParameterizedTest
	@MethodSource("mutants")
	void answersBelow500WithAProblemAndStoresNothingWhenRefused(Mutant mutant) throws IOException {
		String before = this.jdbc.queryForObject(SNAPSHOT, String.class);

		RawResponse response = send(mutant.bytes(Long.toString(this.existingId), TestTokens.admin()));

		assertThat(response.status()).as("status of %s: %s", mutant, response).isBetween(100, 499);
		if (response.status() >= 400) {
			if (!mutant.method().equals("HEAD")) {
				assertThat(response.header("Content-Type")).as("Content-Type of %s: %s", mutant, response)
					.startsWith("application/problem+json");
			}
			assertThat(this.jdbc.queryForObject(SNAPSHOT, String.class)).as("profiles after %s", mutant)
				.isEqualTo(before);
		}
		else if (mutant.storedField() != null && response.status() < 300) {
			// Accepted: nothing may be lost or changed on the way to the database (read
			// from the table: a read through the API would be served by the cache).
			long id = json.readTree(response.body()).get("id").asLong();
			String stored = this.jdbc.queryForObject(
					"select " + COLUMNS.get(mutant.storedField()) + " from user_profiles where id = ?", String.class,
					id);
			assertThat(stored).as("%s stored by %s", mutant.storedField(), mutant).isEqualTo(mutant.storedText());
		}
	}

	Stream<Arguments> mutants() {
		Map<String, Mutant> mutants = new LinkedHashMap<>();
		// Values of every JSON type where each field's string belongs
		for (String field : FIELDS) {
			for (String value : List.of("42", "-1.5e308", "true", "[]", "{}", "[\"x\"]", "{\"a\": \"b\"}")) {
				mutants.put("POST, " + field + " = " + value, post(bodyWith(field, value)));
				mutants.put("PUT, " + field + " = " + value, put(bodyWith(field, value)));
			}
		}
		// Deep and huge documents
		for (int depth : List.of(64, 512, 4096)) {
			mutants.put("displayName nested " + depth + " deep",
					post(bodyWith("displayName", "[".repeat(depth) + "]".repeat(depth))));
			mutants.put("bio of objects nested " + depth + " deep",
					post(bodyWith("bio", "{\"a\":".repeat(depth) + "1" + "}".repeat(depth))));
		}
		mutants.put("bio of 15,000 characters", post(bodyWith("bio", quoted("b".repeat(15_000)))));
		mutants.put("bio of 20,000 characters", post(bodyWith("bio", quoted("b".repeat(20_000)))));
		mutants.put("displayName of 5,000 numbers", post(bodyWith("displayName", "[" + "1,".repeat(4_999) + "1]")));
		mutants.put("1,000 unknown keys", post(bodyWith("x0",
				"1" + IntStream.range(1, 1_000).mapToObj((i) -> ", \"x" + i + "\": 1").collect(Collectors.joining()))));
		mutants.put("a number of 400 digits", post(bodyWith("bio", "1".repeat(400))));
		mutants.put("an exponent of 400", post(bodyWith("bio", "1e400")));
		// Control, bidirectional and other troublesome characters in each text field
		Map<String, String> characters = new LinkedHashMap<>();
		characters.put("U+0001", "\\u0001");
		characters.put("backspace", "\\b");
		characters.put("escape", "\\u001b");
		characters.put("delete", "\u007f");
		characters.put("U+0085 (next line)", "\u0085");
		characters.put("right-to-left mark", "\u200f");
		characters.put("right-to-left override", "\u202e");
		characters.put("first-strong isolate", "\u2068");
		characters.put("byte order mark", "\ufeff");
		characters.put("unpaired high surrogate", "\\ud800");
		characters.put("unpaired low surrogate", "\\udfff");
		characters.put("surrogate pair", "\\ud83d\\ude00");
		characters.put("line feed", "\\n");
		for (String field : List.of("username", "email", "displayName", "bio")) {
			for (Map.Entry<String, String> character : characters.entrySet()) {
				String escaped = character.getValue();
				String value = switch (field) {
					case "username" -> "ab" + escaped + "cd";
					case "email" -> "a" + escaped + "b@example.com";
					default -> "Ada" + escaped + "Lovelace";
				};
				mutants.put("POST, " + field + " with a " + character.getKey(),
						post(bodyWith(field, quoted(value))).storing(field, unescape(value)));
			}
		}
		// Duplicated keys
		for (String field : FIELDS) {
			mutants.put("POST, " + field + " twice", post("{\"" + field + "\": \"x\", " + validBody().substring(1)));
		}
		// Media types and charsets
		for (String contentType : List.of("application/json; charset=utf-16", "application/json; charset=UTF-32BE",
				"application/json; charset=latin1", "application/json; charset=nope", "application/json;;",
				"application/json; charset=", "application/json; charset=\"utf-8\"", "APPLICATION/JSON",
				"application/vnd.api+json", "application/*", "*/*", "text/json", "application/json, text/plain",
				"multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "")) {
			mutants.put("POST as Content-Type '" + contentType + "'",
					post(validBody()).header("Content-Type", contentType));
		}
		// Media types Spring's MimeTypeUtils failed on (a 500 before HeaderValueFilter)
		mutants.put("POST as Content-Type '\"a/b'", post(validBody()).header("Content-Type", "\"a/b"));
		mutants.put("GET accepting '\"a/b'", get("/users/" + EXISTING).header("Accept", "\"a/b"));
		mutants.put("POST as Content-Type found by the fuzzer",
				post(validBody()).header("Content-Type", "\"ubio\": \"Madepplication/json"));
		mutants.put("POST in UTF-16 saying so",
				new Mutant("POST", "/users", List.of(List.of("Content-Type", "application/json; charset=utf-16")),
						validBody().getBytes(StandardCharsets.UTF_16), null, null));
		// Malformed and repeated headers
		mutants.put("two Content-Types", post(validBody()).header("Content-Type", "text/plain"));
		mutants.put("a second, invalid Authorization", post(validBody()).header("Authorization", "Bearer nope"));
		for (String ifMatch : List.of("\"", "W/", "*, \"1-1\"", "\"a\" \"b\"", "\"" + "1".repeat(6_000) + "\"",
				"\u0085", "\"1-1\"\u0000", ",,,", "W/\"" + EXISTING + "-1\"")) {
			mutants.put("PUT with If-Match '" + abbreviate(ifMatch) + "'",
					put(validBody()).header("If-Match", ifMatch));
			mutants.put("DELETE with If-Match '" + abbreviate(ifMatch) + "'", new Mutant("DELETE", "/users/" + EXISTING,
					List.of(List.of("If-Match", ifMatch)), null, null, null));
		}
		mutants.put("GET with Content-Length 'application/json'",
				get("/users/" + EXISTING).header("Content-Length", "application/json"));
		mutants.put("POST with a second, negative Content-Length", post(validBody()).header("Content-Length", "-1"));
		mutants.put("PUT with two If-Match headers",
				put(validBody()).header("If-Match", "\"0-0\"").header("If-Match", "\"0-1\""));
		for (String header : List.of("If-None-Match: \u0085", "If-None-Match: \"", "Accept: */*;q=x",
				"Accept: application/json;q=2", "Accept: ;", "Accept: \u0085", "Accept-Charset: nope",
				"Accept-Language: \u0000", "X-Forwarded-For: \u0001", "Range: bytes=0-1", "Expect: 100-continue-nope",
				"Content-Encoding: gzip", "Host: ", " folded: continuation", "No colon here", "Bad Name: value",
				"X-Long: " + "h".repeat(9_000))) {
			int colon = header.indexOf(':');
			String name = (colon < 0) ? header : header.substring(0, colon);
			String value = (colon < 0) ? "" : header.substring(colon + 1).trim();
			Mutant request = get("/users/" + EXISTING);
			mutants.put("GET with header '" + abbreviate(header) + "'",
					(colon < 0) ? request.line(header) : request.header(name, value));
		}
		// Odd paths and query strings
		for (String target : List.of("/users/" + EXISTING + "/", "/users//" + EXISTING, "/users/" + EXISTING + ";a=b",
				"/users/%2F" + EXISTING, "/users/" + EXISTING + "%2e", "/users/+" + EXISTING, "/users/0" + EXISTING,
				"/users/" + EXISTING + ".json", "/users/%EF%BC%91", "/users/../users/" + EXISTING,
				"/users/" + EXISTING + "?x=%zz", "/USERS/" + EXISTING, "/users/" + EXISTING + "%20", "/users/%7Bid%7D",
				"/users?after=0&after=1", "/users?size=1e2", "/users?size=", "/users?%zz=1",
				"/users/" + EXISTING + "/../" + EXISTING, "/users/" + "9".repeat(7_000), "/users/%C0%AE",
				"/users/%u0031", "*", "http://localhost/users/" + EXISTING)) {
			mutants.put("GET " + abbreviate(target), get(target));
			mutants.put("PUT " + abbreviate(target), put(validBody()).to(target));
		}
		return mutants.entrySet().stream().map((entry) -> argumentSet(entry.getKey(), entry.getValue()));
	}

	private static Mutant get(String target) {
		return new Mutant("GET", target, List.of(), null, null, null);
	}

	private static Mutant post(String body) {
		return new Mutant("POST", "/users", List.of(List.of("Content-Type", "application/json")),
				body.getBytes(StandardCharsets.UTF_8), null, null);
	}

	private static Mutant put(String body) {
		return post(body).to("/users/" + EXISTING).method("PUT");
	}

	/** A valid body with a fresh username and e-mail address. */
	private static String validBody() {
		String handle = ApiClient.uniqueHandle();
		return ApiClient.profileJson(handle, handle + "@example.com", "Ada Lovelace");
	}

	private static String bodyWith(String field, String rawValue) {
		String body = validBody();
		String withoutField = body.replaceFirst("\"" + field + "\": (\"[^\"]*\"|null)(, )?", "");
		return "{\"" + field + "\": " + rawValue + ", " + withoutField.substring(1).replaceFirst(", }$", "}");
	}

	private static String quoted(String value) {
		return "\"" + value + "\"";
	}

	/** The text a JSON string with these escapes holds. */
	private static String unescape(String escaped) {
		return json.readValue(quoted(escaped), String.class);
	}

	private static String abbreviate(String value) {
		String visible = value.codePoints()
			.mapToObj((c) -> (c < 0x20 || (c >= 0x7f && c < 0xa0)) ? String.format(Locale.ROOT, "\\u%04x", c)
					: Character.toString(c))
			.reduce("", String::concat);
		return (visible.length() > 40) ? visible.substring(0, 40) + "..." : visible;
	}

	private RawResponse send(byte[] request) throws IOException {
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(15_000);
			socket.getOutputStream().write(request);
			socket.getOutputStream().flush();
			socket.getInputStream().transferTo(received);
		}
		catch (SocketException ex) {
			// Tomcat may close with part of an oversized request unread, and the reset
			// can follow its answer; the answer is what is tested.
			if (received.size() == 0) {
				throw ex;
			}
		}
		return RawResponse.parse(received.toString(StandardCharsets.ISO_8859_1));
	}

	/**
	 * One request, as bytes on the wire. Header values are sent as ISO-8859-1, as HTTP
	 * defines them.
	 *
	 * @param headers name and value, or a line as it is
	 * @param storedField the field whose text must be stored as sent, if accepted
	 */
	record Mutant(String method, String target, List<List<String>> headers, byte @Nullable [] body,
			@Nullable String storedField, @Nullable String storedText) {

		Mutant header(String name, String value) {
			List<List<String>> more = new ArrayList<>(this.headers);
			more.add(List.of(name, value));
			return new Mutant(this.method, this.target, more, this.body, this.storedField, this.storedText);
		}

		/** A header line as it is, with or without a colon. */
		Mutant line(String line) {
			List<List<String>> more = new ArrayList<>(this.headers);
			more.add(List.of(line));
			return new Mutant(this.method, this.target, more, this.body, this.storedField, this.storedText);
		}

		Mutant to(String target) {
			return new Mutant(this.method, target, this.headers, this.body, this.storedField, this.storedText);
		}

		Mutant method(String method) {
			return new Mutant(method, this.target, this.headers, this.body, this.storedField, this.storedText);
		}

		Mutant storing(String field, String text) {
			return new Mutant(this.method, this.target, this.headers, this.body, field, text);
		}

		byte[] bytes(String existingId, String token) {
			StringBuilder head = new StringBuilder();
			head.append(this.method)
				.append(' ')
				.append(this.target.replace(EXISTING, existingId))
				.append(" HTTP/1.1\r\n");
			head.append("Host: localhost\r\nConnection: close\r\n");
			head.append("Authorization: Bearer ").append(token).append("\r\n");
			for (List<String> header : this.headers) {
				head.append((header.size() == 1) ? header.get(0)
						: header.get(0) + ": " + header.get(1).replace(EXISTING, existingId))
					.append("\r\n");
			}
			byte[] content = (this.body != null) ? this.body : new byte[0];
			String text = new String(content, StandardCharsets.UTF_8);
			if (text.contains(EXISTING)) {
				content = text.replace(EXISTING, existingId).getBytes(StandardCharsets.UTF_8);
			}
			if (this.body != null) {
				head.append("Content-Length: ").append(content.length).append("\r\n");
			}
			head.append("\r\n");
			ByteArrayOutputStream bytes = new ByteArrayOutputStream();
			bytes.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
			bytes.writeBytes(content);
			return bytes.toByteArray();
		}

		@Override
		public String toString() {
			return this.method + " " + abbreviate(this.target);
		}

	}

	record RawResponse(int status, Map<String, String> headers, String body) {

		static RawResponse parse(String response) {
			int end = response.indexOf("\r\n\r\n");
			String head = (end < 0) ? response : response.substring(0, end);
			String[] lines = head.split("\r\n");
			int status = (lines[0].length() >= 12) ? Integer.parseInt(lines[0].substring(9, 12)) : -1;
			Map<String, String> headers = new LinkedHashMap<>();
			for (int i = 1; i < lines.length; i++) {
				int colon = lines[i].indexOf(':');
				if (colon > 0) {
					headers.putIfAbsent(lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
							lines[i].substring(colon + 1).trim());
				}
			}
			String body = (end < 0) ? "" : response.substring(end + 4);
			if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
				body = dechunk(body);
			}
			return new RawResponse(status, headers,
					new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
		}

		private static String dechunk(String chunked) {
			StringBuilder body = new StringBuilder();
			int position = 0;
			while (position < chunked.length()) {
				int lineEnd = chunked.indexOf("\r\n", position);
				if (lineEnd < 0) {
					break;
				}
				int size = Integer.parseInt(chunked.substring(position, lineEnd).split(";")[0].trim(), 16);
				if (size == 0) {
					break;
				}
				body.append(chunked, lineEnd + 2, Math.min(chunked.length(), lineEnd + 2 + size));
				position = lineEnd + 2 + size + 2;
			}
			return body.toString();
		}

		@Nullable String header(String name) {
			return this.headers.get(name.toLowerCase(Locale.ROOT));
		}

		@Override
		public String toString() {
			return this.status + " " + this.headers + " "
					+ ((this.body.length() > 300) ? this.body.substring(0, 300) : this.body);
		}

	}

}
