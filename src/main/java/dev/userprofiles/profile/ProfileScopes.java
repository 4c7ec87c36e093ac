package dev.userprofiles.profile;

/**
 * The OAuth2 scopes of the API (the token's {@code scope} claim) and the authorities
 * Spring Security makes of them. Admin implies read and write.
 */
public final class ProfileScopes {

	/** {@code GET /users/{id}}. */
	public static final String READ = "profiles:read";

	/** {@code POST}, {@code PUT} and {@code DELETE}, of one's own profile. */
	public static final String WRITE = "profiles:write";

	/** Listing, and changing any profile; also shows every e-mail address. */
	public static final String ADMIN = "profiles:admin";

	public static final String READ_AUTHORITY = "SCOPE_" + READ;

	public static final String WRITE_AUTHORITY = "SCOPE_" + WRITE;

	public static final String ADMIN_AUTHORITY = "SCOPE_" + ADMIN;

	private ProfileScopes() {
	}

}
