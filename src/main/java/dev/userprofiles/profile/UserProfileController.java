package dev.userprofiles.profile;

import java.net.URI;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Positive;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The {@code /users} REST API. Conditional requests use strong ETags derived from id and
 * version.
 */
@RestController
@RequestMapping(path = "/users", produces = MediaType.APPLICATION_JSON_VALUE)
class UserProfileController {

	static final int MAX_PAGE_SIZE = 100;

	/** Keeps {@code page * size} within the int offset JPA takes. */
	static final int MAX_PAGE = 1_000_000;

	private final UserProfileService profiles;

	UserProfileController(UserProfileService profiles) {
		this.profiles = profiles;
	}

	/**
	 * The hot path. Spring answers {@code If-None-Match} with 304 from the ETag set here.
	 */
	@GetMapping("/{id}")
	ResponseEntity<UserProfile> getProfile(@PathVariable @Positive long id) {
		UserProfile profile = this.profiles.findProfile(id).orElseThrow(() -> new ProfileNotFoundException(id));
		return ResponseEntity.ok().eTag(ProfileETags.of(profile)).body(profile);
	}

	/**
	 * Profiles ordered by id; a {@code size} above {@value #MAX_PAGE_SIZE} is capped.
	 */
	@GetMapping
	ProfilePage listProfiles(@RequestParam(defaultValue = "0") @Min(0) @Max(MAX_PAGE) int page,
			@RequestParam(defaultValue = "20") @Min(1) int size) {
		return this.profiles.listProfiles(page, Math.min(size, MAX_PAGE_SIZE));
	}

	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<UserProfile> createProfile(@Valid @RequestBody ProfileRequest request) {
		UserProfile profile = this.profiles.createProfile(request);
		return ResponseEntity.created(URI.create("/users/" + profile.id()))
			.eTag(ProfileETags.of(profile))
			.body(profile);
	}

	@PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<UserProfile> replaceProfile(@PathVariable @Positive long id,
			@RequestHeader(name = HttpHeaders.IF_MATCH, required = false) @Nullable String ifMatch,
			@Valid @RequestBody ProfileRequest request) {
		UserProfile profile = this.profiles.replaceProfile(id, request, ifMatch);
		return ResponseEntity.ok().eTag(ProfileETags.of(profile)).body(profile);
	}

	@DeleteMapping("/{id}")
	ResponseEntity<Void> deleteProfile(@PathVariable @Positive long id,
			@RequestHeader(name = HttpHeaders.IF_MATCH, required = false) @Nullable String ifMatch) {
		this.profiles.deleteProfile(id, ifMatch);
		return ResponseEntity.noContent().build();
	}

}
