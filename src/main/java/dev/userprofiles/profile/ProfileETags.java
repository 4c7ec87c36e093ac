package dev.userprofiles.profile;

import org.jspecify.annotations.Nullable;

import org.springframework.http.ETag;

/**
 * Strong entity tags derived from a profile's id and version, so they change with every
 * write and never need the body to be hashed; one per representation.
 */
final class ProfileETags {

	private ProfileETags() {
	}

	/** The full representation's tag: what owners and admins see and send in If-Match. */
	static String of(UserProfile profile) {
		return "\"" + profile.id() + "-" + profile.version() + "\"";
	}

	/** The tag of the representation without the e-mail address. */
	static String ofPublic(UserProfile profile) {
		return "\"" + profile.id() + "-" + profile.version() + "-public\"";
	}

	/**
	 * Evaluates an {@code If-Match} header with the strong comparison RFC 9110 requires.
	 * @param ifMatch the header value, or {@code null} when the request carries none
	 * @return whether the write may proceed
	 */
	static boolean ifMatchAllows(@Nullable String ifMatch, UserProfile current) {
		if (ifMatch == null) {
			return true;
		}
		ETag currentTag = ETag.create(of(current));
		return ETag.parse(ifMatch).stream().anyMatch((tag) -> tag.isWildcard() || tag.compare(currentTag, true));
	}

}
