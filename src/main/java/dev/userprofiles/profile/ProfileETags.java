package dev.userprofiles.profile;

import org.jspecify.annotations.Nullable;

import org.springframework.http.ETag;

/**
 * Strong entity tags derived from a profile's id and version, so they change with every
 * write and never need the body to be hashed.
 */
final class ProfileETags {

	private ProfileETags() {
	}

	static String of(UserProfile profile) {
		return "\"" + profile.id() + "-" + profile.version() + "\"";
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
