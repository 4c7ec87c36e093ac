package dev.userprofiles.profile;

import java.net.URI;

import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Null;
import jakarta.validation.constraints.Positive;
import org.jspecify.annotations.Nullable;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
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
 * The {@code /users} REST API. Which scope each call needs is set in the security
 * configuration; ownership, which needs the stored profile, is checked by the service.
 * <p>
 * A profile has two representations: with the e-mail address for its owner and admins,
 * without it for everyone else. Each has its own strong ETag, and responses say
 * {@code Vary: Authorization} and {@code Cache-Control: private}, so no cache hands one
 * caller's representation to another.
 */
@RestController
@RequestMapping("/users")
class UserProfileController {

	static final int MAX_PAGE_SIZE = 100;

	private final UserProfileService profiles;

	UserProfileController(UserProfileService profiles) {
		this.profiles = profiles;
	}

	/**
	 * The hot path. Spring answers {@code If-None-Match} with 304 from the ETag set here.
	 */
	@GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
	@ApiResponse(responseCode = "200", description = "The profile; the e-mail address only for its owner and admins",
			headers = @Header(name = HttpHeaders.ETAG, description = "Strong tag of this representation",
					schema = @Schema(type = "string")))
	@ApiResponse(responseCode = "304", description = "Unchanged since the ETag sent in If-None-Match",
			content = @Content)
	@ApiResponse(responseCode = "404", description = "No such profile")
	ResponseEntity<UserProfile> getProfile(@PathVariable @Positive @Parameter(example = "1") long id,
			Authentication authentication) {
		UserProfile profile = this.profiles.findProfile(id).orElseThrow(() -> new ProfileNotFoundException(id));
		if (Caller.of(authentication).owns(profile)) {
			return personal(ResponseEntity.ok()).eTag(ProfileETags.of(profile)).body(profile);
		}
		return personal(ResponseEntity.ok()).eTag(ProfileETags.ofPublic(profile)).body(profile.withoutEmail());
	}

	/**
	 * Profiles ordered by id, from the first id above {@code after}; a {@code size} above
	 * {@value #MAX_PAGE_SIZE} is capped. The offset parameter {@code page} of earlier
	 * versions is refused rather than ignored.
	 */
	@GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
	@ApiResponse(responseCode = "200", description = "One page; 'next' is the path of the following one")
	ProfilePage listProfiles(@RequestParam(defaultValue = "0") @Min(0) long after,
			@RequestParam(defaultValue = "20") @Min(1) int size, @RequestParam(required = false) @Null(
					message = "is not supported: follow 'next' or use 'after'") @Nullable String page) {
		return this.profiles.listProfiles(after, Math.min(size, MAX_PAGE_SIZE));
	}

	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
	@ApiResponse(responseCode = "201", description = "Created",
			headers = {
					@Header(name = HttpHeaders.LOCATION, description = "Path of the new profile",
							schema = @Schema(type = "string")),
					@Header(name = HttpHeaders.ETAG, description = "Strong tag of the profile",
							schema = @Schema(type = "string")) })
	@ApiResponse(responseCode = "409", description = "The username or e-mail address is taken")
	@ApiResponse(responseCode = "413", description = "The body is larger than profiles.web.max-request-body")
	@ApiResponse(responseCode = "415", description = "The body is not application/json")
	ResponseEntity<UserProfile> createProfile(@Valid @RequestBody ProfileRequest request,
			Authentication authentication) {
		UserProfile profile = this.profiles.createProfile(request, Caller.of(authentication));
		return personal(ResponseEntity.created(URI.create("/users/" + profile.id()))).eTag(ProfileETags.of(profile))
			.body(profile);
	}

	@PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE,
			produces = MediaType.APPLICATION_JSON_VALUE)
	@ApiResponse(responseCode = "200", description = "Replaced",
			headers = @Header(name = HttpHeaders.ETAG, description = "Strong tag of the new version",
					schema = @Schema(type = "string")))
	@ApiResponse(responseCode = "404", description = "No such profile")
	@ApiResponse(responseCode = "409", description = "The username or e-mail address is taken")
	@ApiResponse(responseCode = "412", description = "If-Match names no current version")
	@ApiResponse(responseCode = "413", description = "The body is larger than profiles.web.max-request-body")
	@ApiResponse(responseCode = "415", description = "The body is not application/json")
	ResponseEntity<UserProfile> replaceProfile(@PathVariable @Positive @Parameter(example = "1") long id,
			@RequestHeader(name = HttpHeaders.IF_MATCH, required = false) @Nullable String ifMatch,
			@Valid @RequestBody ProfileRequest request, Authentication authentication) {
		UserProfile profile = this.profiles.replaceProfile(id, request, ifMatch, Caller.of(authentication));
		return personal(ResponseEntity.ok()).eTag(ProfileETags.of(profile)).body(profile);
	}

	/**
	 * Answers 204 without a body, so it produces no media type: an {@code Accept} that
	 * names none of JSON's (Portman's contract tests send
	 * {@code application/problem+json}) must not turn a delete into a 406.
	 */
	@DeleteMapping("/{id}")
	@ApiResponse(responseCode = "204", description = "Deleted")
	@ApiResponse(responseCode = "404", description = "No such profile")
	@ApiResponse(responseCode = "412", description = "If-Match names no current version")
	ResponseEntity<Void> deleteProfile(@PathVariable @Positive @Parameter(example = "1") long id,
			@RequestHeader(name = HttpHeaders.IF_MATCH, required = false) @Nullable String ifMatch,
			Authentication authentication) {
		this.profiles.deleteProfile(id, ifMatch, Caller.of(authentication));
		return ResponseEntity.noContent().build();
	}

	/** What the response holds depends on the token. */
	private static ResponseEntity.BodyBuilder personal(ResponseEntity.BodyBuilder response) {
		return response.cacheControl(CacheControl.noCache().cachePrivate()).varyBy(HttpHeaders.AUTHORIZATION);
	}

}
