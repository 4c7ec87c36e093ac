package dev.userprofiles.profile;

import java.io.Serial;
import java.io.Serializable;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

/**
 * A user profile as the API returns it and the cache stores it: an immutable value, never
 * the JPA entity.
 *
 * @param id server-assigned identifier
 * @param username unique (ignoring case) handle of 3 to 32 characters of
 * {@code [a-z0-9_.-]}
 * @param email unique (ignoring case) e-mail address; {@code null} only in the
 * representation for callers who may not see it, which is never stored or cached
 * @param displayName the name shown to other users
 * @param bio free text, optional
 * @param avatarUrl absolute http(s) URL of the avatar, optional
 * @param locale BCP 47 language tag, optional
 * @param createdAt when the profile was created
 * @param updatedAt when the profile last changed
 * @param version increases by one on every change
 */
@Schema(requiredProperties = { "id", "username", "displayName", "bio", "avatarUrl", "locale", "createdAt", "updatedAt",
		"version" })
public record UserProfile(long id, String username, @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String email,
		String displayName, @Schema(nullable = true) @Nullable String bio,
		@Schema(nullable = true) @Nullable String avatarUrl, @Schema(nullable = true) @Nullable String locale,
		Instant createdAt, Instant updatedAt, long version) implements Serializable {

	// JDK serialization is what Boot's default Redis cache stores, the textbook baseline
	// of the serializer benchmarks; our own caches store protobuf or JSON.
	@Serial
	private static final long serialVersionUID = 1L;

	/** This profile as callers other than its owner and admins see it. */
	UserProfile withoutEmail() {
		return new UserProfile(this.id, this.username, null, this.displayName, this.bio, this.avatarUrl, this.locale,
				this.createdAt, this.updatedAt, this.version);
	}

}
