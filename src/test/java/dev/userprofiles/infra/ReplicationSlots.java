package dev.userprofiles.infra;

import java.util.concurrent.TimeUnit;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The logical replication slots tests follow: each test that turns change capture on uses
 * a slot of its own, and drops it when its services have stopped, so that no forgotten
 * slot holds WAL for the rest of the run.
 */
public final class ReplicationSlots {

	private ReplicationSlots() {
	}

	/** Drops {@code slot} once no connection streams from it (at most 10 s). */
	public static void drop(TestInfrastructure infrastructure, String slot) {
		JdbcClient database = JdbcClient.create(new DriverManagerDataSource(infrastructure.jdbcUrl(),
				infrastructure.superuser(), infrastructure.superuserPassword()));
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < deadline
				&& database.sql("select count(*) from pg_replication_slots where slot_name = :slot and active")
					.param("slot", slot)
					.query(Long.class)
					.single() > 0) {
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		database.sql("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = :slot")
			.param("slot", slot)
			.query()
			.rowSet();
	}

}
