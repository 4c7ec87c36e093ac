package dev.userprofiles.profile;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.jspecify.annotations.Nullable;

/**
 * The row in Postgres, the source of truth. It stays inside the service layer.
 */
@Entity
@Table(name = "user_profiles")
class UserProfileEntity {

	@Id
	@GeneratedValue(strategy = GenerationType.IDENTITY)
	private @Nullable Long id;

	private String username;

	private String email;

	@Column(name = "display_name")
	private String displayName;

	private @Nullable String bio;

	@Column(name = "avatar_url")
	private @Nullable String avatarUrl;

	private @Nullable String locale;

	@Column(name = "created_at")
	private Instant createdAt;

	@Column(name = "updated_at")
	private Instant updatedAt;

	// Primitive, so Hibernate keeps the initial 1 instead of seeding 0; it increments
	// on every update.
	@Version
	private long version = 1;

	protected UserProfileEntity() {
		this.username = "";
		this.email = "";
		this.displayName = "";
		this.createdAt = Instant.EPOCH;
		this.updatedAt = Instant.EPOCH;
	}

	UserProfileEntity(ProfileRequest request, Instant now) {
		this();
		apply(request, now);
		this.createdAt = now;
	}

	/**
	 * Replaces every mutable field.
	 * @return whether anything changed (only then does the version move)
	 */
	boolean replaceWith(ProfileRequest request, Instant now) {
		if (request.equals(toRequest())) {
			return false;
		}
		apply(request, now);
		return true;
	}

	private void apply(ProfileRequest request, Instant now) {
		this.username = request.username();
		this.email = request.email();
		this.displayName = request.displayName();
		this.bio = request.bio();
		this.avatarUrl = request.avatarUrl();
		this.locale = request.locale();
		this.updatedAt = now;
	}

	private ProfileRequest toRequest() {
		return new ProfileRequest(this.username, this.email, this.displayName, this.bio, this.avatarUrl, this.locale);
	}

	UserProfile toProfile() {
		if (this.id == null) {
			throw new IllegalStateException("Profile has not been persisted yet");
		}
		return new UserProfile(this.id, this.username, this.email, this.displayName, this.bio, this.avatarUrl,
				this.locale, this.createdAt, this.updatedAt, this.version);
	}

}
