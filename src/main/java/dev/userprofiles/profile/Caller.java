package dev.userprofiles.profile;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * Who sends a request, as far as profiles care: the token's subject, matched against
 * usernames, and whether it carries the admin scope.
 *
 * @param subject the token's {@code sub} claim
 * @param admin whether the token has {@link ProfileScopes#ADMIN}
 */
record Caller(String subject, boolean admin) {

	static Caller of(Authentication authentication) {
		boolean admin = authentication.getAuthorities()
			.stream()
			.map(GrantedAuthority::getAuthority)
			.anyMatch(ProfileScopes.ADMIN_AUTHORITY::equals);
		return new Caller(authentication.getName(), admin);
	}

	/** Owners and admins see the e-mail address and may change or delete a profile. */
	boolean owns(UserProfile profile) {
		return this.admin || this.subject.equals(profile.username());
	}

	/** Only an admin may create or rename a profile to a username that is not its own. */
	boolean mayUseUsername(String username) {
		return this.admin || this.subject.equals(username);
	}

}
