package dev.userprofiles.profile;

import java.util.Optional;

import jakarta.persistence.LockModeType;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

interface UserProfileRepository extends JpaRepository<UserProfileEntity, Long> {

	/** Reads the row with {@code SELECT ... FOR UPDATE}, so concurrent writers queue. */
	@Lock(LockModeType.PESSIMISTIC_WRITE)
	@Query("select p from UserProfileEntity p where p.id = :id")
	Optional<UserProfileEntity> findForUpdate(long id);

	boolean existsByUsernameIgnoreCase(String username);

	boolean existsByEmailIgnoreCase(String email);

	boolean existsByUsernameIgnoreCaseAndIdNot(String username, long id);

	boolean existsByEmailIgnoreCaseAndIdNot(String email, long id);

	@Modifying
	@Query("delete from UserProfileEntity p where p.id = :id")
	int deleteProfile(long id);

}
