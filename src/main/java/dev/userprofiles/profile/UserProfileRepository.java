package dev.userprofiles.profile;

import java.util.List;
import java.util.Optional;

import jakarta.persistence.LockModeType;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

/**
 * Profiles in Postgres. Uniqueness checks compare {@code lower(...)}, matching the unique
 * indexes (derived {@code IgnoreCase} queries use {@code upper} and scan the table).
 */
interface UserProfileRepository extends JpaRepository<UserProfileEntity, Long> {

	/** Reads the row with {@code SELECT ... FOR UPDATE}, so concurrent writers queue. */
	@Lock(LockModeType.PESSIMISTIC_WRITE)
	@Query("select p from UserProfileEntity p where p.id = :id")
	Optional<UserProfileEntity> findForUpdate(long id);

	/** Whether another profile than {@code exceptId} has this username, ignoring case. */
	@Query("select count(p) > 0 from UserProfileEntity p where lower(p.username) = lower(:username) and p.id <> :exceptId")
	boolean usernameTaken(String username, long exceptId);

	/**
	 * Whether another profile than {@code exceptId} has this e-mail address, ignoring
	 * case.
	 */
	@Query("select count(p) > 0 from UserProfileEntity p where lower(p.email) = lower(:email) and p.id <> :exceptId")
	boolean emailTaken(String email, long exceptId);

	/** A page of the keyset: ids above {@code id}, in order. */
	List<UserProfileEntity> findByIdGreaterThanOrderByIdAsc(long id, Limit limit);

	@Modifying
	@Query("delete from UserProfileEntity p where p.id = :id")
	int deleteProfile(long id);

}
