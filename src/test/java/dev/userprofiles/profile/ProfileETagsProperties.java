package dev.userprofiles.profile;

import java.time.Instant;
import java.util.List;

import dev.userprofiles.infra.WithoutInfrastructure;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.ServletWebRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code If-Match} and {@code If-None-Match} lists as RFC 9110 defines them (section
 * 13.1): a list of entity tags, strong {@code "x"} or weak {@code W/"x"}, separated by
 * commas and optional whitespace, or {@code *}. If-Match compares strongly (a weak tag
 * never matches), If-None-Match weakly; anything else in the header matches nothing and
 * never fails the request.
 */
@WithoutInfrastructure
class ProfileETagsProperties {

	private static final UserProfile PROFILE = new UserProfile(42, "ada", "ada@example.com", "Ada", null, null, null,
			Instant.EPOCH, Instant.EPOCH, 3);

	/** A tag of this profile's full representation, strong or weak, or of another. */
	record Tag(String text, boolean current, boolean weak) {
	}

	@Property
	void ifMatchAllowsExactlyTheCurrentStrongTagOrAWildcard(@ForAll("tagLists") List<Tag> tags,
			@ForAll("separators") List<String> separators) {
		String header = join(tags, separators);
		boolean expected = tags.stream().anyMatch((tag) -> tag.current() && !tag.weak());

		assertThat(ProfileETags.ifMatchAllows(header, PROFILE)).as("If-Match: %s", header).isEqualTo(expected);
		assertThat(ProfileETags.ifMatchAllows("*", PROFILE)).isTrue();
	}

	@Property
	void ifNoneMatchAnswersNotModifiedForTheCurrentTagWeakOrStrong(@ForAll("tagLists") List<Tag> tags,
			@ForAll("separators") List<String> separators) {
		String header = join(tags, separators);
		boolean expected = tags.stream().anyMatch(Tag::current);

		assertThat(notModified(header)).as("If-None-Match: %s", header).isEqualTo(expected);
	}

	/** Any header at all: no exception, and no match unless it holds the tag or "*". */
	@Property
	void anyHeaderIsEvaluatedWithoutFailing(@ForAll String header) {
		boolean allowed = ProfileETags.ifMatchAllows(header, PROFILE);
		boolean notModified = notModified(header);

		if (allowed || notModified) {
			assertThat(header).containsAnyOf("42-3", "*");
		}
	}

	private static boolean notModified(String ifNoneMatch) {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/users/42");
		request.addHeader("If-None-Match", ifNoneMatch);
		return new ServletWebRequest(request, new MockHttpServletResponse()).checkNotModified(ProfileETags.of(PROFILE));
	}

	private static String join(List<Tag> tags, List<String> separators) {
		StringBuilder header = new StringBuilder();
		for (int i = 0; i < tags.size(); i++) {
			if (i > 0) {
				header.append(separators.get(i % separators.size()));
			}
			header.append(tags.get(i).text());
		}
		return header.toString();
	}

	@Provide
	Arbitrary<List<Tag>> tagLists() {
		Arbitrary<Tag> other = Combinators
			.combine(Arbitraries.strings().withChars("0123456789-abcdefW/!#").ofMaxLength(12),
					Arbitraries.of(true, false))
			.filter((opaque, weak) -> !opaque.equals("42-3"))
			.as((opaque, weak) -> new Tag((weak ? "W/" : "") + "\"" + opaque + "\"", false, weak));
		Arbitrary<Tag> current = Arbitraries.of(true, false)
			.map((weak) -> new Tag((weak ? "W/" : "") + ProfileETags.of(PROFILE), true, weak));
		return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, other), net.jqwik.api.Tuple.of(1, current))
			.list()
			.ofMinSize(1)
			.ofMaxSize(6);
	}

	/** Commas with optional whitespace (spaces and tabs) around them. */
	@Provide
	Arbitrary<List<String>> separators() {
		Arbitrary<String> whitespace = Arbitraries.strings().withChars(" \t").ofMaxLength(3);
		return Combinators.combine(whitespace, whitespace)
			.as((before, after) -> before + "," + after)
			.list()
			.ofMinSize(1)
			.ofMaxSize(3);
	}

}
