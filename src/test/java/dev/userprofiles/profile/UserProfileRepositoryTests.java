package dev.userprofiles.profile;

import java.time.Instant;
import java.util.List;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.InfrastructureConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase.Replace;
import org.springframework.context.annotation.Import;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.Limit;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The repository and the schema's constraints against the real Postgres, migrated by
 * Flyway, with nothing else of the service ({@code @DataJpaTest}). Each test runs in a
 * transaction that is rolled back.
 */
@DataJpaTest
@AutoConfigureTestDatabase(replace = Replace.NONE)
@Import(InfrastructureConfiguration.class)
class UserProfileRepositoryTests {

	private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

	@Autowired
	UserProfileRepository repository;

	@Autowired
	JdbcTemplate jdbc;

	@Test
	void usernamesAreUniqueIgnoringCase() {
		String handle = ApiClient.uniqueHandle();
		this.repository.saveAndFlush(profile(handle, handle + "@example.com"));

		assertThatExceptionOfType(DataIntegrityViolationException.class).isThrownBy(
				() -> this.repository.saveAndFlush(profile(handle.toUpperCase(), "other." + handle + "@example.com")))
			.withMessageContaining("user_profiles_username_key");
	}

	@Test
	void emailAddressesAreUniqueIgnoringCase() {
		String handle = ApiClient.uniqueHandle();
		this.repository.saveAndFlush(profile(handle, handle + "@example.com"));

		assertThatExceptionOfType(DataIntegrityViolationException.class)
			.isThrownBy(
					() -> this.repository.saveAndFlush(profile(handle + "2", handle.toUpperCase() + "@EXAMPLE.COM")))
			.withMessageContaining("user_profiles_email_key");
	}

	@Test
	void takenChecksIgnoreCaseAndTheProfileItself() {
		String handle = ApiClient.uniqueHandle();
		long id = this.repository.saveAndFlush(profile(handle, handle + "@example.com")).toProfile().id();

		assertThat(this.repository.usernameTaken(handle.toUpperCase(), 0)).isTrue();
		assertThat(this.repository.emailTaken(handle.toUpperCase() + "@Example.com", 0)).isTrue();
		assertThat(this.repository.usernameTaken(handle, id)).isFalse();
		assertThat(this.repository.emailTaken(handle + "@example.com", id)).isFalse();
		assertThat(this.repository.usernameTaken(handle + "x", 0)).isFalse();
	}

	@Test
	void everyUpdateMovesTheVersionEvenOneMadeBehindTheServicesBack() {
		String handle = ApiClient.uniqueHandle();
		long id = this.repository.saveAndFlush(profile(handle, handle + "@example.com")).toProfile().id();

		// As a writer that knows nothing of versions would: the trigger of V4 moves it.
		this.jdbc.update("update user_profiles set display_name = 'Behind' where id = ?", id);

		assertThat(this.jdbc.queryForObject("select version from user_profiles where id = ?", Long.class, id))
			.isEqualTo(2);
	}

	@Test
	void pagesAreKeysetsInIdOrder() {
		List<Long> ids = List.of(save(), save(), save());

		List<Long> page = this.repository.findByIdGreaterThanOrderByIdAsc(ids.get(0), Limit.of(2))
			.stream()
			.map((entity) -> entity.toProfile().id())
			.toList();

		assertThat(page).containsExactly(ids.get(1), ids.get(2));
	}

	@Test
	void deleteProfileCountsTheRowsItRemoved() {
		long id = save();

		assertThat(this.repository.deleteProfile(id)).isOne();
		assertThat(this.repository.deleteProfile(id)).isZero();
		// The row, not the persistence context: a bulk delete does not evict the entity.
		assertThat(this.jdbc.queryForObject("select count(*) from user_profiles where id = ?", Long.class, id))
			.isZero();
	}

	private long save() {
		String handle = ApiClient.uniqueHandle();
		return this.repository.saveAndFlush(profile(handle, handle + "@example.com")).toProfile().id();
	}

	private static UserProfileEntity profile(String username, String email) {
		return new UserProfileEntity(new ProfileRequest(username, email, "Repository", null, null, null), NOW);
	}

}
