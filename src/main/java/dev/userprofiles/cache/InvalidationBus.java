package dev.userprofiles.cache;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.userprofiles.cache.CacheRedis.Operation;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * Invalidates the local levels of every instance before a write is acknowledged, so that
 * a near cache keeps read-your-writes across instances. Hand-written because no client
 * offers it: Lettuce's client-side caching is standalone-only, and other near caches send
 * invalidations fire-and-forget.
 * <p>
 * <b>Membership.</b> Every instance (member) renews a registration in Redis every
 * {@code renew-every}; Redis records it as live until {@code received + T} on its own
 * clock ({@code T = membership-ttl}). A member serves its local level only until
 * {@code sent + T - margin} on its monotonic clock, {@code sent} being when the renewal
 * that succeeded was sent. Since {@code sent <= received}, a member has stopped serving
 * before any writer may see its registration expire (Gray and Cheriton's leases). A
 * member renews only while its listener keeps reading, so a stuck listener runs out of
 * lease instead of holding up writers. With {@code durable-renewals}, a renewal counts
 * only once a replica has it ({@code WAIT 1}), so a failover of the registry's master
 * does not forget a member that still serves.
 * <p>
 * <b>Writes.</b> After its commit, a writer changes the Redis level, invalidates its own
 * local level, appends the invalidation to a stream, and waits until every other member
 * that is live by Redis's clock has acknowledged an entry at or after its own (members
 * apply entries in stream order, then acknowledge the last one). A member that stalls
 * stops being waited for when its registration expires, at most {@code T} later; by then
 * it has stopped serving. If the writer's entry is gone (a master failover lost it), it
 * appends it again. Stream IDs are the master's milliseconds, so entries appended after a
 * failover sort after every entry acknowledged before it (assuming Redis clocks agree to
 * within the failover time, seconds).
 * <p>
 * <b>Rejoining.</b> A member whose registration had expired when it renewed (a pause, a
 * partition, a lost registration) may have been skipped by writers: it clears its local
 * levels before serving again. Fills that began before a clear or an invalidation of
 * their key are refused by {@link NearCache}'s tickets.
 * <p>
 * All keys share one hash tag, so every script runs on one master.
 */
final class InvalidationBus implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(InvalidationBus.class);

	/** How long one read of the stream blocks when nothing arrives. */
	private static final Duration LISTEN_BLOCK = Duration.ofMillis(100);

	private static final String NOW_MILLIS = """
			local t = redis.call('TIME')
			local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			""";

	/**
	 * KEYS: members, acks. ARGV: member, TTL in ms, last applied stream ID. Returns {1 if
	 * the registration was live, live members}.
	 */
	private static final String RENEW = NOW_MILLIS + """
			local previous = redis.call('HGET', KEYS[1], ARGV[1])
			local wasLive = previous and tonumber(previous) > now
			redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))
			redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
			local members = redis.call('HGETALL', KEYS[1])
			local live = 0
			for i = 1, #members, 2 do
			  local expiry = tonumber(members[i + 1])
			  if expiry > now then
			    live = live + 1
			  elseif expiry < now - 60000 then
			    redis.call('HDEL', KEYS[1], members[i])
			    redis.call('HDEL', KEYS[2], members[i])
			  end
			end
			return {wasLive and 1 or 0, live}
			""";

	/**
	 * KEYS: stream. ARGV: cache, key ('' for all keys), retention in ms, the version the
	 * key now has at least. Appends an invalidation; returns its ID.
	 */
	private static final String PUBLISH = NOW_MILLIS + """
			return redis.call('XADD', KEYS[1], 'MINID', '~', now - tonumber(ARGV[3]), '*', 'c', ARGV[1], 'k', ARGV[2],
			  'v', ARGV[4])
			""";

	/**
	 * KEYS: members, acks, stream. ARGV: entry ID, member. Returns how many other live
	 * members have not acknowledged the entry yet, or -1 when the entry is gone.
	 */
	private static final String PENDING = """
			if #redis.call('XRANGE', KEYS[3], ARGV[1], ARGV[1]) == 0 then
			  return -1
			end
			""" + NOW_MILLIS + """
			local function parse(id)
			  local ms, seq = string.match(id, '(%d+)-(%d+)')
			  return tonumber(ms), tonumber(seq)
			end
			local ms, seq = parse(ARGV[1])
			local members = redis.call('HGETALL', KEYS[1])
			local pending = 0
			for i = 1, #members, 2 do
			  if members[i] ~= ARGV[2] and tonumber(members[i + 1]) > now then
			    local ack = redis.call('HGET', KEYS[2], members[i])
			    local acked = false
			    if ack then
			      local ams, aseq = parse(ack)
			      acked = ams > ms or (ams == ms and aseq >= seq)
			    end
			    if not acked then
			      pending = pending + 1
			    end
			  end
			end
			return pending
			""";

	/** What needs the cluster, for the error when Redis is standalone. */
	private static final String PURPOSE = "The near cache "
			+ "(profiles.cache.near.enabled=false for a standalone Redis)";

	private final CacheRedis redis;

	private final ProfileCacheProperties.Near settings;

	private final String memberId = UUID.randomUUID().toString();

	private final String keyPrefix;

	private final @Nullable ReplicaReads replicaReads;

	private final String membersKey;

	private final String acksKey;

	private final String streamKey;

	private final Map<String, NearCache> caches = new ConcurrentHashMap<>();

	private final Timer ackWait;

	private final Counter published;

	private final Counter applied;

	private final Counter resyncs;

	private final AtomicInteger liveMembers = new AtomicInteger();

	/** Monotonic time until which the local levels may be served. */
	private volatile long fenceDeadline = System.nanoTime();

	private volatile long lastListenerRound = System.nanoTime();

	private volatile long pausedUntil = System.nanoTime();

	private volatile String lastApplied = "0-0";

	private volatile boolean running;

	private volatile @Nullable StatefulRedisClusterConnection<String, String> commands;

	private volatile @Nullable StatefulRedisClusterConnection<String, String> listening;

	private @Nullable Thread listener;

	private @Nullable Thread heartbeat;

	InvalidationBus(CacheRedis redis, ProfileCacheProperties.Near settings, String keyPrefix, MeterRegistry meters,
			@Nullable ReplicaReads replicaReads) {
		this.redis = redis;
		this.settings = settings;
		this.keyPrefix = keyPrefix;
		this.replicaReads = replicaReads;
		// One hash tag: members, acknowledgements and stream live in one slot.
		String tag = "{" + keyPrefix + "bus}";
		this.membersKey = tag + ":members";
		this.acksKey = tag + ":acks";
		this.streamKey = tag + ":invalidations";
		this.ackWait = Timer.builder("cache.near.ack.wait")
			.description("How long writes waited for every live member to apply their invalidation")
			.publishPercentileHistogram()
			.register(meters);
		this.published = Counter.builder("cache.near.invalidations")
			.description("Invalidations published by this instance and applied from the stream")
			.tag("result", "published")
			.register(meters);
		this.applied = Counter.builder("cache.near.invalidations").tag("result", "applied").register(meters);
		this.resyncs = Counter.builder("cache.near.resyncs")
			.description("Times the local levels were cleared because this member may have missed invalidations")
			.register(meters);
		Gauge.builder("cache.near.members", this.liveMembers, AtomicInteger::get)
			.description("Live members seen at this member's last renewal")
			.register(meters);
		Gauge.builder("cache.near.fenced", this, (bus) -> bus.servesLocally() ? 0 : 1)
			.description("1 while this member does not serve its local levels (lease not fresh)")
			.register(meters);
	}

	void register(NearCache cache) {
		this.caches.put(cache.getName(), cache);
	}

	/** Whether the local levels may be served now: the membership lease is fresh. */
	boolean servesLocally() {
		return System.nanoTime() - this.fenceDeadline < 0;
	}

	/**
	 * Refuses, on this instance, replica values of {@code key} ({@code null}: of every
	 * key) older than {@code version} (see {@link ReplicaReads}).
	 */
	void fence(String cache, @Nullable String key, long version) {
		if (this.replicaReads == null) {
			return;
		}
		if (key == null) {
			this.replicaReads.suspend();
		}
		else {
			this.replicaReads.raise(this.keyPrefix + cache + "::" + key, version);
		}
	}

	/**
	 * Publishes the invalidation of {@code key} ({@code null}: every key), whose value is
	 * now at least {@code version} ({@link VersionedInvalidation#DELETED}: gone), and
	 * returns once every other live member has applied it.
	 * @throws CacheInvalidationException when Redis fails or members do not acknowledge
	 * within {@code ack-timeout}
	 */
	void publishAndAwait(String cache, @Nullable String key, long version) {
		long started = System.nanoTime();
		try {
			String id = publish(cache, key, version);
			if (!this.settings.awaitAcknowledgements()) {
				return;
			}
			long deadline = started + this.settings.ackTimeout().toNanos();
			long pause = TimeUnit.MICROSECONDS.toNanos(100);
			while (true) {
				long pending = pending(id);
				if (pending == 0) {
					this.ackWait.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
					return;
				}
				if (pending < 0) {
					// A failover lost our entry: members cannot have applied it.
					id = publish(cache, key, version);
				}
				if (System.nanoTime() - deadline >= 0) {
					throw new CacheInvalidationException("Invalidation of '" + cache + "' key " + key + " not "
							+ "acknowledged by " + pending + " member(s) within " + this.settings.ackTimeout(), null);
				}
				LockSupport.parkNanos(pause);
				pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(2));
			}
		}
		catch (CacheInvalidationException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new CacheInvalidationException("Invalidation of '" + cache + "' key " + key + " failed", ex);
		}
	}

	private String publish(String cache, @Nullable String key, long version) {
		String id = this.redis.execute(Operation.BUS_PUBLISH, () -> commands().sync()
			.eval(PUBLISH, ScriptOutputType.VALUE, new String[] { this.streamKey }, cache, (key != null) ? key : "",
					Long.toString(this.settings.streamRetention().toMillis()), Long.toString(version)));
		this.published.increment();
		return id;
	}

	private long pending(String id) {
		Long pending = this.redis.execute(Operation.BUS_PENDING,
				() -> commands().sync()
					.eval(PENDING, ScriptOutputType.INTEGER,
							new String[] { this.membersKey, this.acksKey, this.streamKey }, id, this.memberId));
		return (pending != null) ? pending : 0;
	}

	/** Renews this member's registration; runs on the heartbeat thread. */
	private void renew() {
		long sent = System.nanoTime();
		if (sent - this.lastListenerRound > 4 * LISTEN_BLOCK.toNanos() + this.settings.renewEvery().toNanos()) {
			// The listener is stuck: let the lease run out rather than hold writers up.
			return;
		}
		List<Long> result = this.redis.execute(Operation.BUS_RENEW,
				() -> commands().sync()
					.eval(RENEW, ScriptOutputType.MULTI, new String[] { this.membersKey, this.acksKey }, this.memberId,
							Long.toString(this.settings.membershipTtl().toMillis()), this.lastApplied));
		this.liveMembers.set(result.get(1).intValue());
		if (result.get(0) == 0) {
			// Writers may have skipped this member while its registration was expired.
			// Cleared now, even if this renewal does not count: the next one will find
			// the registration live and clear nothing.
			clearLocalLevels();
		}
		if (this.settings.durableRenewals() && !replicated()) {
			return;
		}
		this.fenceDeadline = sent + this.settings.membershipTtl().minus(this.settings.safetyMargin()).toNanos();
		if (this.replicaReads != null) {
			this.replicaReads.liveUntil(this.fenceDeadline);
		}
	}

	/**
	 * Whether a replica of the registry's master has this member's renewal, or the master
	 * has no replica to wait for. {@code WAIT} is sent to that master itself: through the
	 * cluster connection it would go to an arbitrary node.
	 */
	private boolean replicated() {
		StatefulRedisClusterConnection<String, String> connection = commands();
		RedisClusterNode master = connection.getPartitions().getMasterBySlot(SlotHash.getSlot(this.membersKey));
		if (master == null) {
			return false;
		}
		boolean hasReplica = connection.getPartitions()
			.stream()
			.anyMatch((node) -> master.getNodeId().equals(node.getSlaveOf()));
		if (!hasReplica) {
			return true;
		}
		// By host and port: the node connection the renewal was routed through. WAIT
		// waits for its own connection's writes, and the one by node id wrote nothing.
		StatefulRedisConnection<String, String> node = connection.getConnection(master.getUri().getHost(),
				master.getUri().getPort());
		return this.redis.execute(Operation.BUS_RENEW,
				() -> node.sync().waitForReplication(1, this.settings.renewEvery().toMillis())) >= 1;
	}

	private void listen() {
		while (this.running) {
			if (System.nanoTime() - this.pausedUntil < 0 || this.listening == null) {
				sleep(Duration.ofMillis(10));
				continue;
			}
			try {
				List<StreamMessage<String, String>> messages = this.redis.execute(Operation.BUS_LISTEN,
						() -> listening().sync()
							.xread(XReadArgs.Builder.block(LISTEN_BLOCK).count(1000),
									StreamOffset.from(this.streamKey, this.lastApplied)));
				if (messages != null && !messages.isEmpty()) {
					for (StreamMessage<String, String> message : messages) {
						apply(message.getBody());
						this.lastApplied = message.getId();
					}
					String applied = this.lastApplied;
					this.redis.execute(Operation.BUS_ACKNOWLEDGE,
							() -> commands().sync().hset(this.acksKey, this.memberId, applied));
				}
				this.lastListenerRound = System.nanoTime();
			}
			catch (RuntimeException ex) {
				if (this.running) {
					logger.debug("Reading invalidations failed; retrying", ex);
					sleep(LISTEN_BLOCK);
				}
			}
		}
	}

	private void apply(Map<String, String> invalidation) {
		String name = invalidation.getOrDefault("c", "");
		String key = invalidation.getOrDefault("k", "");
		// Entries of an older version carry no 'v': deleted, the safe reading.
		String version = invalidation.get("v");
		fence(name, key.isEmpty() ? null : key,
				(version != null) ? Long.parseLong(version) : VersionedInvalidation.DELETED);
		NearCache cache = this.caches.get(name);
		if (cache != null) {
			if (key.isEmpty()) {
				cache.clearLocally();
			}
			else {
				cache.invalidateLocally(key);
			}
		}
		this.applied.increment();
	}

	private void clearLocalLevels() {
		if (this.replicaReads != null) {
			this.replicaReads.suspend();
		}
		this.caches.values().forEach(NearCache::clearLocally);
		this.resyncs.increment();
	}

	private void beat() {
		while (this.running) {
			long started = System.nanoTime();
			if (started - this.pausedUntil >= 0 && connected()) {
				try {
					renew();
				}
				catch (RuntimeException ex) {
					logger.debug("Renewing the near-cache membership failed; the local level stays unserved", ex);
				}
			}
			long elapsed = System.nanoTime() - started;
			sleep(Duration.ofNanos(Math.max(0, this.settings.renewEvery().toNanos() - elapsed)));
		}
	}

	/**
	 * Stops the listener and the heartbeat for {@code duration}, as a long GC pause or a
	 * stopped process would: for failure tests.
	 */
	void pauseFor(Duration duration) {
		this.pausedUntil = System.nanoTime() + duration.toNanos();
	}

	@Override
	public void start() {
		// Fails the start on a standalone Redis; connecting waits for the heartbeat.
		this.redis.requireCluster(PURPOSE);
		this.running = true;
		this.listener = daemon("near-cache-listener", this::listen);
		this.heartbeat = daemon("near-cache-heartbeat", this::beat);
	}

	/**
	 * Connects on the heartbeat thread, so that the service starts while Redis is down
	 * (its local levels stay unserved, its writes answer 503, until Redis is back).
	 */
	private boolean connected() {
		if (this.commands != null) {
			return true;
		}
		StatefulRedisClusterConnection<String, String> commands = null;
		StatefulRedisClusterConnection<String, String> listening = null;
		try {
			commands = this.redis.connect(StringCodec.UTF8, PURPOSE);
			listening = this.redis.connect(StringCodec.UTF8, PURPOSE);
			listening.setTimeout(LISTEN_BLOCK.multipliedBy(10));
			// Entries before this point concern nothing this member holds yet.
			StatefulRedisClusterConnection<String, String> joining = commands;
			List<StreamMessage<String, String>> last = this.redis.execute(Operation.BUS_MEMBERSHIP,
					() -> joining.sync().xrevrange(this.streamKey, Range.create("-", "+"), Limit.from(1)));
			if (!last.isEmpty()) {
				this.lastApplied = last.get(0).getId();
			}
			this.listening = listening;
			this.commands = commands;
			return true;
		}
		catch (RuntimeException ex) {
			close(commands);
			close(listening);
			logger.debug("Invalidation bus cannot reach Redis yet; the local levels stay unserved", ex);
			return false;
		}
	}

	@Override
	public void stop() {
		this.running = false;
		this.fenceDeadline = System.nanoTime();
		join(this.heartbeat);
		join(this.listener);
		// Never connected: nothing registered.
		if (this.commands != null) {
			try {
				this.redis.execute(Operation.BUS_MEMBERSHIP, () -> {
					commands().sync().hdel(this.membersKey, this.memberId);
					return commands().sync().hdel(this.acksKey, this.memberId);
				});
			}
			catch (RuntimeException ex) {
				// The registration expires by itself within the membership TTL.
			}
		}
		close(this.listening);
		close(this.commands);
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Started after the Redis connection factory (phase 0) and before the web server;
	 * stopped after the web server and the last retries of {@code PendingEvictions}
	 * (whose evictions publish here), and before Redis disconnects.
	 */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 8192;
	}

	private StatefulRedisClusterConnection<String, String> commands() {
		StatefulRedisClusterConnection<String, String> connection = this.commands;
		if (connection == null) {
			throw new IllegalStateException("Invalidation bus not started");
		}
		return connection;
	}

	private StatefulRedisClusterConnection<String, String> listening() {
		StatefulRedisClusterConnection<String, String> connection = this.listening;
		if (connection == null) {
			throw new IllegalStateException("Invalidation bus not started");
		}
		return connection;
	}

	private static Thread daemon(String name, Runnable task) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

	private static void join(@Nullable Thread thread) {
		if (thread != null) {
			try {
				thread.join(2000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private static void close(@Nullable StatefulRedisClusterConnection<String, String> connection) {
		if (connection != null) {
			connection.close();
		}
	}

	private static void sleep(Duration duration) {
		try {
			TimeUnit.NANOSECONDS.sleep(duration.toNanos());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
