package dev.userprofiles.profile;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /users} and {@code PUT /users/{id}}: every mutable field of a
 * profile.
 *
 * @param username 3 to 32 characters of {@code [a-z0-9_.-]}
 * @param email a valid address of at most 254 characters
 * @param displayName 1 to 100 characters
 * @param bio optional, at most 1000 characters
 * @param avatarUrl optional absolute http(s) URL of at most 2048 characters
 * @param locale optional BCP 47 language tag
 */
record ProfileRequest(
		@NotNull @Pattern(regexp = "[a-z0-9_.-]{3,32}",
				message = "must be 3 to 32 characters of a-z, 0-9, '_', '.' or '-'") String username,
		@NotBlank @Email @Size(max = 254) @Pattern(regexp = NO_NUL, message = NUL_MESSAGE) String email,
		@NotBlank @Size(max = 100) @Pattern(regexp = NO_NUL, message = NUL_MESSAGE) String displayName,
		@Size(max = 1000) @Pattern(regexp = NO_NUL, message = NUL_MESSAGE) @Nullable String bio,
		@HttpUrl @Size(max = 2048) @Nullable String avatarUrl, @LanguageTag @Nullable String locale) {

	/**
	 * Postgres text cannot hold U+0000: refuse it here rather than fail at the insert.
	 */
	static final String NO_NUL = "[^\\x00]*";

	static final String NUL_MESSAGE = "must not contain NUL characters";

}
