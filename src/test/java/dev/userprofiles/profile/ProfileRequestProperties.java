package dev.userprofiles.profile;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.userprofiles.infra.WithoutInfrastructure;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The validators of a profile's fields against the specifications they implement, through
 * Bean Validation as requests are checked: usernames (the API's own grammar), e-mail
 * addresses (RFC 5321/5322 dot-atom), avatar URLs (RFC 3986, http and https) and language
 * tags (RFC 5646). Generated valid values are accepted; each is refused once a character
 * the grammar forbids is put in.
 */
@WithoutInfrastructure
class ProfileRequestProperties {

	private static final Validator validator = Validation.buildDefaultValidatorFactory().getValidator();

	private static final String USERNAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_.-";

	@Property
	void usernamesAreThreeToThirtyTwoOfTheirCharacters(@ForAll String value) {
		boolean expected = value.length() >= 3 && value.length() <= 32
				&& value.chars().allMatch((c) -> USERNAME_CHARS.indexOf(c) >= 0);

		assertThat(valid("username", value)).as("username %s", value).isEqualTo(expected);
	}

	@Property
	void generatedUsernamesAreAccepted(@ForAll("usernames") String value) {
		assertThat(valid("username", value)).as("username %s", value).isTrue();
	}

	@Property
	void dotAtomAddressesAreAccepted(@ForAll("emails") String email) {
		assertThat(valid("email", email)).as("email %s", email).isTrue();
	}

	@Property
	void addressesWithAForbiddenCharacterAreRefused(@ForAll("emails") String email,
			@ForAll("forbiddenInAddresses") char forbidden, @ForAll @IntRange(max = 300) int at) {
		String broken = insert(email, at, forbidden);

		assertThat(valid("email", broken)).as("email %s", broken).isFalse();
	}

	@Property
	void httpUrlsAreAccepted(@ForAll("urls") String url) {
		assertThat(valid("avatarUrl", url)).as("avatarUrl %s", url).isTrue();
	}

	@Property
	void urlsWithACharacterOutsideRfc3986AreRefused(@ForAll("urls") String url, @ForAll("outsideUrls") char forbidden,
			@ForAll @IntRange(max = 300) int at) {
		String broken = insert(url, at, forbidden);

		assertThat(valid("avatarUrl", broken)).as("avatarUrl %s", broken).isFalse();
	}

	@Property
	void urlsOfOtherSchemesAreRefused(@ForAll("urls") String url, @ForAll("otherSchemes") String scheme) {
		String other = scheme + url.substring(url.indexOf(':'));

		assertThat(valid("avatarUrl", other)).as("avatarUrl %s", other).isFalse();
	}

	@Property
	void languageTagsAreAccepted(@ForAll("languageTags") String tag) {
		assertThat(valid("locale", tag)).as("locale %s", tag).isTrue();
	}

	@Property
	void languageTagsWithAnUnderscoreOrAnEmptySubtagAreRefused(@ForAll("languageTags") String tag,
			@ForAll("tagBreakers") String breaker, @ForAll @IntRange(max = 35) int at) {
		String broken = tag.substring(0, Math.min(at, tag.length())) + breaker
				+ tag.substring(Math.min(at, tag.length()));

		assertThat(valid("locale", broken)).as("locale %s", broken).isFalse();
	}

	@Property
	void plainTextTakesEveryCharacterButControlsAndUnpairedSurrogates(@ForAll("text") String text) {
		assertThat(valid("displayName", "Ada " + text)).as("displayName %s", text).isTrue();
		assertThat(valid("bio", text)).as("bio %s", text).isTrue();
	}

	@Property
	void plainTextRefusesControlsAndUnpairedSurrogates(@ForAll("text") String text, @ForAll("controls") char control,
			@ForAll("loneSurrogates") char surrogate, @ForAll @IntRange(max = 100) int at) {
		String withControl = insert("Ada " + text, at, control);
		String withSurrogate = insert("Ada " + text, at, surrogate);

		assertThat(valid("displayName", withControl)).as("displayName %s", withControl).isFalse();
		assertThat(valid("bio", withControl)).as("bio %s", withControl).isFalse();
		assertThat(valid("displayName", withSurrogate)).as("displayName %s", withSurrogate).isFalse();
		assertThat(valid("bio", withSurrogate)).as("bio %s", withSurrogate).isFalse();
	}

	/**
	 * Bidirectional controls are refused in one-line text and kept in multi-line text.
	 */
	@Property
	void bidiControlsOnlyInMultiLineText(@ForAll("text") String text,
			@ForAll @CharRange(from = '\u202A', to = '\u202E') char embedding,
			@ForAll @CharRange(from = '\u2066', to = '\u2069') char isolate, @ForAll @IntRange(max = 100) int at) {
		for (char bidi : new char[] { embedding, isolate }) {
			String withBidi = insert("Ada " + text, at, bidi);
			assertThat(valid("displayName", withBidi)).as("displayName %s", withBidi).isFalse();
			assertThat(valid("bio", withBidi)).as("bio %s", withBidi).isTrue();
		}
	}

	@Property
	void usernamesWithOneForeignCharacterAreRefused(@ForAll("usernames") String username, @ForAll char foreign,
			@ForAll @IntRange(max = 32) int at) {
		Assume.that(USERNAME_CHARS.indexOf(foreign) < 0);
		String broken = insert(username, at, foreign);

		assertThat(valid("username", broken)).as("username %s", broken).isFalse();
	}

	private static boolean valid(String field, String value) {
		return validator.validateValue(ProfileRequest.class, field, value).isEmpty();
	}

	private static String insert(String value, int at, char c) {
		int index = Math.min(at, value.length());
		// Never between the halves of a surrogate pair: that would break the pair itself.
		if (index > 0 && index < value.length() && Character.isLowSurrogate(value.charAt(index))) {
			index--;
		}
		return value.substring(0, index) + c + value.substring(index);
	}

	@Provide
	Arbitrary<String> usernames() {
		return Arbitraries.strings().withChars(USERNAME_CHARS).ofMinLength(3).ofMaxLength(32);
	}

	/** RFC 5322 dot-atom local parts at LDH domain names (RFC 1123), at most 254 long. */
	@Provide
	Arbitrary<String> emails() {
		Arbitrary<String> atom = Arbitraries.strings()
			.withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-")
			.ofMinLength(1)
			.ofMaxLength(10);
		Arbitrary<String> local = atom.list()
			.ofMinSize(1)
			.ofMaxSize(4)
			.map((atoms) -> String.join(".", atoms))
			.filter((value) -> value.length() <= 64);
		return Combinators.combine(local, hostnames())
			.as((user, host) -> user + "@" + host)
			.filter((email) -> email.length() <= 254);
	}

	/**
	 * RFC 1123 host names: LDH labels, no hyphen at either end, a letter-led last label.
	 */
	static Arbitrary<String> hostnames() {
		Arbitrary<String> label = Arbitraries.strings()
			.withChars("abcdefghijklmnopqrstuvwxyz0123456789-")
			.ofMinLength(1)
			.ofMaxLength(20)
			.filter((value) -> !value.startsWith("-") && !value.endsWith("-"));
		Arbitrary<String> topLevel = Arbitraries.strings()
			.withChars("abcdefghijklmnopqrstuvwxyz")
			.ofMinLength(2)
			.ofMaxLength(6);
		return Combinators.combine(label.list().ofMinSize(1).ofMaxSize(3), topLevel)
			.as((labels, last) -> String.join(".", labels) + "." + last);
	}

	@Provide
	Arbitrary<Character> forbiddenInAddresses() {
		return Arbitraries.of(' ', '\t', '\n', '\u0000', '\u0007', '\u007F', '\u0085', '\u202E', '\u2066', '@', '"',
				'(', ')', ',', ':', ';', '<', '>', '[', '\\', ']');
	}

	/**
	 * RFC 3986 http(s) URLs: a host name, optional port, path segments, query and
	 * fragment of unreserved characters, sub-delimiters, ':' and '@', and
	 * percent-escapes.
	 */
	@Provide
	Arbitrary<String> urls() {
		String pchar = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@";
		Arbitrary<String> escape = Arbitraries.strings()
			.withChars("0123456789ABCDEFabcdef")
			.ofLength(2)
			.map((hex) -> "%" + hex);
		Arbitrary<String> segment = Arbitraries
			.frequencyOf(net.jqwik.api.Tuple.of(5, Arbitraries.strings().withChars(pchar).ofMaxLength(12)),
					net.jqwik.api.Tuple.of(1, escape))
			.list()
			.ofMaxSize(3)
			.map((parts) -> String.join("", parts));
		Arbitrary<String> path = segment.list()
			.ofMaxSize(4)
			.map((segments) -> segments.stream().map((s) -> "/" + s).collect(Collectors.joining()));
		Arbitrary<String> query = Arbitraries.strings().withChars(pchar + "/?").ofMaxLength(20).injectNull(0.5);
		Arbitrary<String> fragment = Arbitraries.strings().withChars(pchar + "/?").ofMaxLength(10).injectNull(0.7);
		Arbitrary<Integer> port = Arbitraries.integers().between(1, 65535).injectNull(0.7);
		return Combinators.combine(Arbitraries.of("http", "https", "HTTPS"), hostnames(), port, path, query, fragment)
			.as((scheme, host, p, pth, q, f) -> scheme + "://" + host + ((p != null) ? ":" + p : "") + pth
					+ ((q != null) ? "?" + q : "") + ((f != null) ? "#" + f : ""));
	}

	@Provide
	Arbitrary<Character> outsideUrls() {
		return Arbitraries.of(' ', '"', '<', '>', '\\', '^', '`', '{', '|', '}', '\u0000', '\u007F', '\u00E9', '\u202E',
				'\u2066', '\u3000');
	}

	@Provide
	Arbitrary<String> otherSchemes() {
		return Arbitraries.of("ftp", "javascript", "data", "file", "ws", "mailto", "httpx");
	}

	/**
	 * RFC 5646 language tags: language (2-3 or 5-8 letters), optional script (4 letters),
	 * region (2 letters or 3 digits), distinct variants (5-8 alphanumerics, or a digit
	 * and 3), and a private use part; at most 35 characters.
	 */
	@Provide
	Arbitrary<String> languageTags() {
		String letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
		String alnum = letters + "0123456789";
		Arbitrary<String> language = Arbitraries.oneOf(
				Arbitraries.strings().withChars(letters).ofMinLength(2).ofMaxLength(3),
				Arbitraries.strings().withChars(letters).ofMinLength(5).ofMaxLength(8));
		Arbitrary<String> script = Arbitraries.strings().withChars(letters).ofLength(4).injectNull(0.5);
		Arbitrary<String> region = Arbitraries
			.oneOf(Arbitraries.strings().withChars(letters).ofLength(2), Arbitraries.strings().numeric().ofLength(3))
			.injectNull(0.4);
		Arbitrary<String> variant = Arbitraries.oneOf(
				Arbitraries.strings().withChars(alnum).ofMinLength(5).ofMaxLength(8),
				Combinators
					.combine(Arbitraries.strings().numeric().ofLength(1),
							Arbitraries.strings().withChars(alnum).ofLength(3))
					.as(String::concat));
		Arbitrary<List<String>> variants = variant.list()
			.ofMaxSize(2)
			.filter((list) -> list.stream().map((v) -> v.toLowerCase(Locale.ROOT)).distinct().count() == list.size());
		Arbitrary<String> privateUse = Arbitraries.strings()
			.withChars(alnum)
			.ofMinLength(1)
			.ofMaxLength(8)
			.injectNull(0.8);
		return Combinators.combine(language, script, region, variants, privateUse).as((l, s, r, v, x) -> {
			StringBuilder tag = new StringBuilder(l);
			if (s != null) {
				tag.append('-').append(s);
			}
			if (r != null) {
				tag.append('-').append(r);
			}
			v.forEach((each) -> tag.append('-').append(each));
			if (x != null) {
				tag.append("-x-").append(x);
			}
			return tag.toString();
		}).filter((tag) -> tag.length() <= 35);
	}

	@Provide
	Arbitrary<String> tagBreakers() {
		return Arbitraries.of("_", "--", " ", "\u0000", "é", "-abcdefghi");
	}

	/** Text of any code point but the control characters, surrogate pairs included. */
	@Provide
	Arbitrary<String> text() {
		return Arbitraries.integers()
			.between(0, Character.MAX_CODE_POINT)
			.filter((c) -> !Character.isISOControl(c) && (c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE)
					&& (c < 0x202A || c > 0x202E) && (c < 0x2066 || c > 0x2069))
			.list()
			.ofMaxSize(90)
			.map((codePoints) -> codePoints.stream()
				.collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
				.toString())
			.filter((s) -> ("Ada " + s).length() <= 100);
	}

	/** C0 and C1 controls and DEL: all but tab, line feed and carriage return. */
	@Provide
	Arbitrary<Character> controls() {
		return Arbitraries
			.oneOf(Arbitraries.chars().range('\u0000', '\u001F'), Arbitraries.chars().range('\u007F', '\u009F'))
			.filter((c) -> c != '\t' && c != '\n' && c != '\r');
	}

	@Provide
	Arbitrary<Character> loneSurrogates() {
		return Arbitraries.chars().range(Character.MIN_SURROGATE, Character.MAX_SURROGATE);
	}

}
