package dev.userprofiles.changes;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.userprofiles.cache.VersionedInvalidation;
import dev.userprofiles.logging.RateLimitedLog;
import dev.userprofiles.profile.ProfileCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.context.SmartLifecycle;

/**
 * Follows the profile table's changes through Postgres logical decoding
 * ({@code pgoutput}, the publication of migration V3, a slot of its own) and invalidates
 * the {@code users} cache for each, so that a write made behind the service's back (psql,
 * a batch job, another service) reaches every instance within moments instead of a TTL.
 * <p>
 * PgJDBC's replication API rather than Debezium's embedded engine: it is already on the
 * classpath, and invalidation needs two columns of one table, not Kafka Connect's
 * records, offset stores and schema history.
 * <p>
 * <b>One follower.</b> Every instance tries to start streaming from the slot every
 * {@code retry-interval}; Postgres lets one connection stream from a slot at a time, so
 * exactly one succeeds. That slot is the election: no second lock that could disagree
 * with it. When the follower dies its connection closes and the slot is free at the next
 * attempt of another instance; a frozen or cut-off follower loses it after the server's
 * {@code wal_sender_timeout}.
 * <p>
 * <b>At least once.</b> The follower confirms a position ({@code flush} LSN) only after
 * every invalidation of the transactions before it was acknowledged by every live
 * instance; a new follower resumes from the last confirmed position, so a change is never
 * lost, and may be applied twice. That is harmless: an invalidation drops only copies
 * older than the row's version ({@link VersionedInvalidation}), so a replay, and the
 * change events of the service's own writes, keep the values those writes stored. A
 * transaction that changes more than {@code clear-above} rows, a truncation, and a new or
 * recreated slot (changes before it are unknown) clear the cache instead.
 * <p>
 * <b>Bounded retention.</b> Heartbeats ({@code pg_logical_emit_message}, every
 * {@code heartbeat-interval}) move the slot forward while the table is quiet, and measure
 * the lag in seconds; the lag in bytes is read from {@code pg_replication_slots}. The
 * server's {@code max_slot_wal_keep_size} bounds the WAL a stalled slot holds; when the
 * slot is lost, it is recreated and the cache cleared.
 */
final class ChangeCapture implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ChangeCapture.class);

	static final String HEARTBEAT_PREFIX = "user-profile-service.heartbeat";

	private static final int LAG_POLL_SECONDS = 5;

	private final String url;

	private final String username;

	private final String password;

	private final ChangeCaptureProperties settings;

	private final CacheManager cacheManager;

	private final RateLimitedLog failures = new RateLimitedLog(logger, Duration.ofSeconds(30));

	private final Timer applyDelay;

	private final Counter inserts;

	private final Counter deletes;

	private final Counter clears;

	private final Counter takeovers;

	private final AtomicLong lagBytes = new AtomicLong(-1);

	/** Epoch milliseconds at which the newest heartbeat applied was written; 0: none. */
	private volatile long lastHeartbeat;

	/** Monotonic time of the next lag poll; only the capture thread uses it. */
	private long nextLagPoll = System.nanoTime();

	private volatile boolean following;

	private volatile boolean running;

	private volatile @Nullable Connection replication;

	private @Nullable Thread thread;

	ChangeCapture(String url, String username, String password, ChangeCaptureProperties settings,
			CacheManager cacheManager, MeterRegistry meters) {
		this.url = url;
		this.username = username;
		this.password = password;
		this.settings = settings;
		this.cacheManager = cacheManager;
		this.applyDelay = Timer.builder("cdc.apply.delay")
			.description("From a change's commit in Postgres until every instance dropped what it made stale")
			.publishPercentileHistogram()
			.register(meters);
		this.inserts = Counter.builder("cdc.changes")
			.description("Row changes applied as invalidations")
			.tag("operation", "upsert")
			.register(meters);
		this.deletes = Counter.builder("cdc.changes").tag("operation", "delete").register(meters);
		this.clears = Counter.builder("cdc.changes").tag("operation", "clear").register(meters);
		this.takeovers = Counter.builder("cdc.takeovers")
			.description("Times this instance started following the slot")
			.register(meters);
		Gauge.builder("cdc.leader", this, (capture) -> capture.following ? 1 : 0)
			.description("1 while this instance follows the change stream")
			.register(meters);
		Gauge.builder("cdc.lag.bytes", this.lagBytes, (bytes) -> (bytes.get() < 0) ? Double.NaN : bytes.get())
			.description("WAL bytes the slot's confirmed position trails the server's current position by")
			.baseUnit("bytes")
			.register(meters);
		Gauge.builder("cdc.lag.seconds", this, ChangeCapture::lagSeconds)
			.description("On the follower: age of the newest heartbeat applied")
			.baseUnit("seconds")
			.register(meters);
	}

	/** Whether this instance follows the change stream now. */
	boolean following() {
		return this.following;
	}

	private double lagSeconds() {
		long heartbeat = this.lastHeartbeat;
		if (!this.following || heartbeat == 0) {
			return Double.NaN;
		}
		return Math.max(0, System.currentTimeMillis() - heartbeat) / 1000.0;
	}

	private void run() {
		while (this.running) {
			try {
				follow();
			}
			// Anything: a thread that died here would leave every instance without change
			// capture while isRunning() said otherwise.
			catch (Throwable ex) {
				if (this.running && !isSlotTaken(ex)) {
					this.failures.warn(() -> "Change capture stopped (" + ex.getMessage() + "); retrying every "
							+ this.settings.retryInterval());
					logger.debug("Change capture stopped", ex);
				}
			}
			finally {
				this.following = false;
				this.replication = null;
			}
			long wakeUp = System.nanoTime() + this.settings.retryInterval().toNanos();
			while (this.running && System.nanoTime() - wakeUp < 0) {
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
			}
		}
	}

	/** Takes the slot and follows it until this instance stops or the stream fails. */
	private void follow() throws SQLException {
		try (Connection sql = connect(false)) {
			pollLagWhenDue(sql);
			if (slotActive(sql)) {
				// Followed elsewhere: no replication connection just to be refused.
				return;
			}
			try (Connection replication = connect(true)) {
				follow(sql, replication);
			}
		}
	}

	private void follow(Connection sql, Connection replication) throws SQLException {
		boolean created = prepareSlot(sql, replication);
		if (created) {
			// At once, before streaming: another instance may take the new slot first.
			// Changes before the slot existed are unknown: what the cache holds may
			// predate them. Leases go too, so no fill begun before can store.
			retry(null, null, () -> {
				clearCache();
				return null;
			});
		}
		PGReplicationStream stream = replication.unwrap(PGConnection.class)
			.getReplicationAPI()
			.replicationStream()
			.logical()
			.withSlotName(this.settings.slot())
			.withSlotOption("proto_version", 1)
			.withSlotOption("publication_names", this.settings.publication())
			.withSlotOption("messages", true)
			.withStatusInterval(1, TimeUnit.SECONDS)
			.start();
		this.replication = replication;
		this.following = true;
		this.takeovers.increment();
		logger.info("Following the changes of slot '" + this.settings.slot() + "'"
				+ (created ? " (new: the cache was cleared)" : ""));
		stream(sql, stream);
	}

	private boolean slotActive(Connection sql) throws SQLException {
		try (PreparedStatement query = sql
			.prepareStatement("select active from pg_replication_slots where slot_name = ?")) {
			query.setString(1, this.settings.slot());
			try (ResultSet row = query.executeQuery()) {
				return row.next() && row.getBoolean(1);
			}
		}
	}

	/**
	 * Creates the slot when it is missing, and again when the server invalidated it (it
	 * held more WAL than {@code max_slot_wal_keep_size}): then changes were lost.
	 * @return whether the slot is new
	 */
	private boolean prepareSlot(Connection sql, Connection replication) throws SQLException {
		String walStatus = null;
		boolean exists = false;
		try (PreparedStatement query = sql
			.prepareStatement("select wal_status from pg_replication_slots where slot_name = ?")) {
			query.setString(1, this.settings.slot());
			try (ResultSet row = query.executeQuery()) {
				if (row.next()) {
					exists = true;
					walStatus = row.getString(1);
				}
			}
		}
		if (exists && "lost".equals(walStatus)) {
			logger.warn("Slot '" + this.settings.slot() + "' lost WAL it had not confirmed (consumer down longer "
					+ "than max_slot_wal_keep_size allows): recreating it and clearing the cache");
			try (PreparedStatement drop = sql.prepareStatement("select pg_drop_replication_slot(?)")) {
				drop.setString(1, this.settings.slot());
				drop.execute();
			}
			exists = false;
		}
		if (exists) {
			return false;
		}
		replication.unwrap(PGConnection.class)
			.getReplicationAPI()
			.createReplicationSlot()
			.logical()
			.withSlotName(this.settings.slot())
			.withOutputPlugin("pgoutput")
			.make();
		return true;
	}

	private void stream(Connection sql, PGReplicationStream stream) throws SQLException {
		PgOutput decoder = new PgOutput("user_profiles", "id", "version");
		List<PgOutput.RowChange> changes = new ArrayList<>();
		boolean clear = false;
		long nextHeartbeat = System.nanoTime();
		while (this.running && !stream.isClosed()) {
			ByteBuffer message = stream.readPending();
			if (message == null) {
				long now = System.nanoTime();
				if (now - nextHeartbeat >= 0) {
					heartbeat(sql);
					nextHeartbeat = now + this.settings.heartbeatInterval().toNanos();
				}
				pollLagWhenDue(sql);
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
				continue;
			}
			LogSequenceNumber position = stream.getLastReceiveLSN();
			PgOutput.Event event;
			try {
				event = decoder.decode(message);
			}
			catch (RuntimeException ex) {
				// Replayed, it would fail again forever: what it changed is unknown, so
				// everything is dropped, and the stream goes on past it.
				logger.error("Undecodable change at " + position + ": clearing the cache", ex);
				retry(null, stream, () -> {
					clearCache();
					return null;
				});
				confirm(stream, position);
				continue;
			}
			if (event instanceof PgOutput.Begin) {
				changes.clear();
				clear = false;
			}
			else if (event instanceof PgOutput.RowChange change) {
				if (changes.size() < this.settings.clearAbove()) {
					changes.add(change);
				}
				else {
					clear = true;
				}
			}
			else if (event instanceof PgOutput.Truncate) {
				clear = true;
			}
			else if (event instanceof PgOutput.Commit commit) {
				if (clear || !changes.isEmpty()) {
					apply(changes, clear, commit.committed(), stream);
				}
				confirm(stream, position);
			}
			else if (event instanceof PgOutput.Message heartbeat && HEARTBEAT_PREFIX.equals(heartbeat.prefix())) {
				this.lastHeartbeat = Long.parseLong(heartbeat.content());
				confirm(stream, position);
			}
		}
	}

	/** Invalidates what one transaction changed; retries until it succeeds or we stop. */
	private void apply(List<PgOutput.RowChange> changes, boolean clear, Instant committed, PGReplicationStream stream)
			throws SQLException {
		retry(committed, stream, () -> {
			if (clear) {
				clearCache();
				this.clears.increment();
				return null;
			}
			Cache cache = cache();
			long nextStatus = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
			for (PgOutput.RowChange change : changes) {
				if (System.nanoTime() - nextStatus >= 0) {
					// A long transaction must not run past wal_sender_timeout silently.
					forceStatus(stream);
					nextStatus = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
				}
				Long previousKey = change.previousKey();
				if (previousKey != null && previousKey != change.key()) {
					invalidate(cache, previousKey, VersionedInvalidation.DELETED);
				}
				Long version = change.version();
				invalidate(cache, change.key(), (version != null) ? version : VersionedInvalidation.DELETED);
				((version != null) ? this.inserts : this.deletes).increment();
			}
			return null;
		});
		this.applyDelay.record(Duration.between(committed, Instant.now()).abs());
	}

	private static void invalidate(Cache cache, long key, long version) {
		if (cache instanceof VersionedInvalidation versioned) {
			versioned.invalidate(key, version);
		}
		else {
			cache.evict(key);
		}
	}

	private static void forceStatus(PGReplicationStream stream) {
		try {
			stream.forceUpdateStatus();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Replication connection lost", ex);
		}
	}

	/**
	 * Runs {@code invalidation} until it succeeds (Redis down, an instance not
	 * acknowledging: a write's 503 cause) while keeping the stream alive; gives up only
	 * when this instance stops, without confirming, so the next follower replays it.
	 */
	private void retry(@Nullable Instant committed, @Nullable PGReplicationStream stream, Invalidation invalidation)
			throws SQLException {
		long pause = TimeUnit.MILLISECONDS.toNanos(50);
		while (true) {
			try {
				invalidation.run();
				return;
			}
			catch (RuntimeException ex) {
				if (!this.running) {
					throw ex;
				}
				this.failures.warn(() -> "Invalidating a change" + ((committed != null) ? " of " + committed : "")
						+ " failed (" + ex.getMessage() + "); retrying");
				if (stream != null) {
					stream.forceUpdateStatus();
				}
				LockSupport.parkNanos(pause);
				pause = Math.min(pause * 2, TimeUnit.SECONDS.toNanos(1));
			}
		}
	}

	private static void confirm(PGReplicationStream stream, LogSequenceNumber position) {
		stream.setAppliedLSN(position);
		stream.setFlushedLSN(position);
	}

	private void heartbeat(Connection sql) {
		try (PreparedStatement emit = sql.prepareStatement("select pg_logical_emit_message(false, ?, ?)")) {
			emit.setString(1, HEARTBEAT_PREFIX);
			emit.setString(2, Long.toString(System.currentTimeMillis()));
			emit.execute();
		}
		catch (SQLException ex) {
			this.failures.warn(() -> "Change capture heartbeat failed: " + ex.getMessage());
		}
	}

	/**
	 * Reads the slot's lag every {@value #LAG_POLL_SECONDS} s, on the caller's
	 * connection.
	 */
	private void pollLagWhenDue(Connection sql) {
		long now = System.nanoTime();
		if (now - this.nextLagPoll < 0) {
			return;
		}
		this.nextLagPoll = now + TimeUnit.SECONDS.toNanos(LAG_POLL_SECONDS);
		pollLag(sql);
	}

	private void pollLag(Connection sql) {
		try (PreparedStatement query = sql.prepareStatement("select pg_wal_lsn_diff(pg_current_wal_lsn(), "
				+ "confirmed_flush_lsn)::bigint from pg_replication_slots where slot_name = ?")) {
			query.setString(1, this.settings.slot());
			try (ResultSet row = query.executeQuery()) {
				this.lagBytes.set(row.next() ? row.getLong(1) : -1);
			}
		}
		catch (SQLException ex) {
			this.lagBytes.set(-1);
		}
	}

	private void clearCache() {
		cache().clear();
	}

	private Cache cache() {
		Cache cache = this.cacheManager.getCache(ProfileCache.NAME);
		if (cache == null) {
			throw new IllegalStateException("No cache '" + ProfileCache.NAME + "'");
		}
		return cache;
	}

	private Connection connect(boolean replication) throws SQLException {
		Properties properties = new Properties();
		PGProperty.USER.set(properties, this.username);
		PGProperty.PASSWORD.set(properties, this.password);
		PGProperty.APPLICATION_NAME.set(properties, "user-profile-service change capture");
		if (replication) {
			PGProperty.REPLICATION.set(properties, "database");
			PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
			PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
		}
		return DriverManager.getConnection(this.url, properties);
	}

	/** Another instance streams from the slot: it follows, this one waits. */
	private static boolean isSlotTaken(Throwable ex) {
		return ex instanceof SQLException sql && "55006".equals(sql.getSQLState());
	}

	/**
	 * Drops the replication connection without confirming anything, as the death of the
	 * process would, and stops following: for failure tests.
	 */
	void crash() {
		this.running = false;
		Connection connection = this.replication;
		if (connection != null) {
			try {
				connection.close();
			}
			catch (SQLException ex) {
				// Closed is closed.
			}
		}
	}

	@Override
	public void start() {
		this.running = true;
		Thread thread = new Thread(this::run, "change-capture");
		thread.setDaemon(true);
		thread.start();
		this.thread = thread;
	}

	@Override
	public void stop() {
		this.running = false;
		Thread thread = this.thread;
		if (thread != null) {
			try {
				thread.join(5000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Started after the invalidation bus and stopped before it: its invalidations travel
	 * through the bus.
	 */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 4096;
	}

	@FunctionalInterface
	private interface Invalidation {

		@Nullable Object run();

	}

}
