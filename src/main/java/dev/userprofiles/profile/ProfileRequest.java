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
		@NotNull @Pattern(regexp = "^[a-z0-9_.-]{3,32}$",
				message = "must be 3 to 32 characters of a-z, 0-9, '_', '.' or '-'") String username,
		@NotBlank @Email @Size(min = 1, max = 254) @PlainText String email,
		@NotBlank @Size(min = 1, max = 100) @PlainText String displayName,
		@Size(max = 1000) @PlainText(multiline = true) @Nullable String bio,
		@HttpUrl @Size(max = 2048) @Nullable String avatarUrl, @LanguageTag @Nullable String locale) {
}
