package dev.userprofiles.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestCredentials;
import dev.userprofiles.infra.TestInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * What change data capture (issue 13) builds on, on every Postgres the project starts:
 * logical decoding is on with bounded WAL retention, migration V3 publishes the profile
 * table, and the role {@value TestCredentials#CHANGE_CAPTURE_USER}, which can read no
 * table, decodes a change made behind the service's back from a pgoutput slot.
 */
@ServiceTest
class ChangeDataCaptureSetupTests {

	@Autowired
	private TestInfrastructure infrastructure;

	@Test
	void logicalDecodingIsOnAndThePublicationCoversTheProfileTable() {
		JdbcClient superuser = jdbc(this.infrastructure.superuser(), this.infrastructure.superuserPassword());
		assertThat(superuser.sql("show wal_level").query(String.class).single()).isEqualTo("logical");
		assertThat(superuser.sql("show max_slot_wal_keep_size").query(String.class).single()).isNotEqualTo("-1");
		assertThat(superuser.sql("select tablename from pg_publication_tables where pubname = 'user_profile_changes'")
			.query(String.class)
			.list()).containsExactly("user_profiles");
		assertThat(superuser.sql("select rolreplication from pg_roles where rolname = :role")
			.param("role", TestCredentials.CHANGE_CAPTURE_USER)
			.query(Boolean.class)
			.single()).isTrue();
	}

	@Test
	void theChangeCaptureRoleDecodesAnUpdateMadeOutsideTheService() throws InterruptedException {
		JdbcClient capture = jdbc(TestCredentials.CHANGE_CAPTURE_USER, TestCredentials.get().changeCapturePassword());
		JdbcClient owner = jdbc(this.infrastructure.superuser(), this.infrastructure.superuserPassword());
		String slot = "setup_check_" + System.nanoTime();
		capture.sql("select pg_create_logical_replication_slot(:slot, 'pgoutput')")
			.param("slot", slot)
			.query()
			.rowSet();
		try {
			long id = owner
				.sql("insert into user_profiles (username, email, display_name, created_at, updated_at, "
						+ "version) values (:name, :name || '@example.com', 'Outside', now(), now(), 0) returning id")
				.param("name", "cdc" + System.nanoTime() % 1_000_000_000)
				.query(Long.class)
				.single();
			owner.sql("update user_profiles set bio = 'changed with psql' where id = :id").param("id", id).update();
			// Decoded as the WAL reaches the slot: read until the update has arrived.
			List<String> messages = new ArrayList<>();
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (!messages.contains("U") && System.nanoTime() < deadline) {
				messages.addAll(capture
					.sql("select get_byte(data, 0) from pg_logical_slot_get_binary_changes(:slot, null, null, "
							+ "'proto_version', '1', 'publication_names', 'user_profile_changes')")
					.param("slot", slot)
					.query((row, number) -> String.valueOf((char) row.getInt(1)))
					.list());
				Thread.sleep(100);
			}
			// Begin, Relation, Insert, Commit; Begin, Update, Commit (pgoutput message
			// types)
			assertThat(messages).contains("B", "R", "I", "U", "C");
			assertThatException().as("the change capture role reading the table")
				.isThrownBy(() -> capture.sql("select count(*) from user_profiles").query(Long.class).single())
				.havingRootCause()
				.withMessageContaining("permission denied");
		}
		finally {
			capture.sql("select pg_drop_replication_slot(:slot)").param("slot", slot).query().rowSet();
		}
	}

	private JdbcClient jdbc(String user, String password) {
		return JdbcClient.create(new DriverManagerDataSource(this.infrastructure.jdbcUrl(), user, password));
	}

}
