package dev.userprofiles.profile;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import org.hibernate.exception.ConstraintViolationException;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Reads and writes profiles: Postgres is the source of truth, the {@code users} cache
 * sits in front of it.
 * <p>
 * Reads fill the cache under a lease ({@code sync = true} hands the loader to the cache
 * layer, which loads each missing key once across all instances and refuses a value that
 * a write made stale meanwhile). Updates write through ({@code @CachePut}: the cache
 * keeps the newer of two versions), deletes invalidate. The caching interceptor is
 * ordered outside the transaction (see {@code CacheConfiguration}), so both run after the
 * commit, and a write that rolls back never touches the cache.
 */
@Service
class UserProfileService {

	/** No profile has this id: ids are positive. */
	private static final long NO_PROFILE = 0;

	private final UserProfileRepository repository;

	UserProfileService(UserProfileRepository repository) {
		this.repository = repository;
	}

	@Cacheable(cacheNames = ProfileCache.NAME, key = "#id", sync = true)
	@Transactional(readOnly = true)
	public Optional<UserProfile> findProfile(long id) {
		return this.repository.findById(id).map(UserProfileEntity::toProfile);
	}

	/**
	 * The profiles with ids above {@code after}, at most {@code size} of them.
	 */
	@Transactional(readOnly = true)
	public ProfilePage listProfiles(long after, int size) {
		// One row more than asked tells whether a next page exists.
		List<UserProfile> rows = this.repository.findByIdGreaterThanOrderByIdAsc(after, Limit.of(size + 1))
			.stream()
			.map(UserProfileEntity::toProfile)
			.toList();
		if (rows.size() <= size) {
			return new ProfilePage(rows, size, null);
		}
		List<UserProfile> content = rows.subList(0, size);
		return new ProfilePage(content, size, "/users?after=" + content.get(size - 1).id() + "&size=" + size);
	}

	// A read of this id just before it existed may have cached "absent" briefly: the
	// put replaces it (a version 1 may), otherwise it stores nothing.
	@CachePut(cacheNames = ProfileCache.NAME, key = "#result.id")
	@Transactional
	public UserProfile createProfile(ProfileRequest request, Caller caller) {
		requireUsernameAllowed(request, caller);
		requireUnique(request, NO_PROFILE);
		UserProfileEntity entity = new UserProfileEntity(request, now());
		return saveOrConflict(entity).toProfile();
	}

	/**
	 * Replaces every mutable field of a profile; only its owner or an admin may.
	 * @param ifMatch the request's {@code If-Match} header, if any
	 */
	@CachePut(cacheNames = ProfileCache.NAME, key = "#id")
	@Transactional
	public UserProfile replaceProfile(long id, ProfileRequest request, @Nullable String ifMatch, Caller caller) {
		UserProfileEntity entity = this.repository.findForUpdate(id)
			.orElseThrow(() -> new ProfileNotFoundException(id));
		UserProfile current = entity.toProfile();
		requireOwner(caller, current);
		requireUsernameAllowed(request, caller);
		requireMatch(ifMatch, current);
		requireUnique(request, id);
		if (!entity.replaceWith(request, now())) {
			return current;
		}
		return saveOrConflict(entity).toProfile();
	}

	/**
	 * Deletes a profile; only its owner or an admin may.
	 * @param ifMatch the request's {@code If-Match} header, if any
	 */
	@CacheEvict(cacheNames = ProfileCache.NAME, key = "#id")
	@Transactional
	public void deleteProfile(long id, @Nullable String ifMatch, Caller caller) {
		// Locks the row, so neither owner nor version can change between check and
		// delete.
		UserProfile current = this.repository.findForUpdate(id)
			.orElseThrow(() -> new ProfileNotFoundException(id))
			.toProfile();
		requireOwner(caller, current);
		requireMatch(ifMatch, current);
		if (this.repository.deleteProfile(id) == 0) {
			throw new ProfileNotFoundException(id);
		}
	}

	private static void requireOwner(Caller caller, UserProfile current) {
		if (!caller.owns(current)) {
			throw new AccessDeniedException("Only the profile's owner or an admin may change it");
		}
	}

	private static void requireUsernameAllowed(ProfileRequest request, Caller caller) {
		if (!caller.mayUseUsername(request.username())) {
			throw new AccessDeniedException("Only an admin may give a profile another username than the caller's");
		}
	}

	private static void requireMatch(@Nullable String ifMatch, UserProfile current) {
		if (!ProfileETags.ifMatchAllows(ifMatch, current)) {
			throw new StaleProfileException(current.id(), ProfileETags.of(current));
		}
	}

	private void requireUnique(ProfileRequest request, long exceptId) {
		if (this.repository.usernameTaken(request.username(), exceptId)) {
			throw new ProfileConflictException("username");
		}
		if (this.repository.emailTaken(request.email(), exceptId)) {
			throw new ProfileConflictException("email");
		}
	}

	/**
	 * Writes the row now, so that a uniqueness race lost after the checks above still
	 * becomes a 409 rather than a 500.
	 */
	private UserProfileEntity saveOrConflict(UserProfileEntity entity) {
		try {
			return this.repository.saveAndFlush(entity);
		}
		catch (DataIntegrityViolationException ex) {
			String constraint = (ex.getCause() instanceof ConstraintViolationException violation)
					? violation.getConstraintName() : null;
			if (constraint != null && constraint.contains("username")) {
				throw new ProfileConflictException("username");
			}
			if (constraint != null && constraint.contains("email")) {
				throw new ProfileConflictException("email");
			}
			throw ex;
		}
	}

	// Postgres keeps microseconds: truncated, the cached value equals the stored one.
	private static Instant now() {
		return Instant.now().truncatedTo(ChronoUnit.MICROS);
	}

}
