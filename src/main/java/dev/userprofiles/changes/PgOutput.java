package dev.userprofiles.changes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Decodes the messages of Postgres's {@code pgoutput} plugin (protocol version 1) as far
 * as invalidation needs them: transaction bounds, which row of which table changed to
 * which version, truncations, and logical messages (heartbeats). Hand-written, about a
 * hundred lines, because the alternative (Debezium) brings Kafka Connect, an offset store
 * and a schema model to extract two columns.
 *
 * @see <a href=
 * "https://www.postgresql.org/docs/17/protocol-logicalrep-message-formats.html">Logical
 * replication message formats</a>
 */
final class PgOutput {

	/** Postgres timestamps count microseconds from 2000-01-01. */
	private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

	private final String table;

	private final String keyColumn;

	private final String versionColumn;

	/** Relations announced by the server: which ones are the table, and where. */
	private final Map<Integer, Columns> relations = new HashMap<>();

	/**
	 * @param table the table whose rows to follow (any schema)
	 * @param keyColumn its primary key column
	 * @param versionColumn its version column
	 */
	PgOutput(String table, String keyColumn, String versionColumn) {
		this.table = table;
		this.keyColumn = keyColumn;
		this.versionColumn = versionColumn;
	}

	/** Decodes one message; relation messages only update what later ones refer to. */
	@Nullable Event decode(ByteBuffer message) {
		byte type = message.get();
		return switch (type) {
			case 'B' -> {
				message.getLong();
				yield new Begin(timestamp(message.getLong()));
			}
			case 'C' -> {
				message.get();
				message.getLong();
				message.getLong();
				yield new Commit(timestamp(message.getLong()));
			}
			case 'R' -> {
				relation(message);
				yield null;
			}
			case 'I' -> row(message, false);
			case 'U' -> row(message, false);
			case 'D' -> row(message, true);
			case 'T' -> truncate(message);
			case 'M' -> {
				message.get();
				message.getLong();
				String prefix = string(message);
				byte[] content = new byte[message.getInt()];
				message.get(content);
				yield new Message(prefix, new String(content, StandardCharsets.UTF_8));
			}
			// Origin, Type: nothing to invalidate.
			default -> null;
		};
	}

	private void relation(ByteBuffer message) {
		int relation = message.getInt();
		string(message);
		String name = string(message);
		message.get();
		int count = message.getShort();
		int key = -1;
		int version = -1;
		for (int i = 0; i < count; i++) {
			message.get();
			String column = string(message);
			message.getInt();
			message.getInt();
			if (column.equals(this.keyColumn)) {
				key = i;
			}
			else if (column.equals(this.versionColumn)) {
				version = i;
			}
		}
		if (name.equals(this.table) && key < 0) {
			throw new IllegalStateException("Table '" + this.table + "' has no column '" + this.keyColumn + "'");
		}
		this.relations.put(relation, new Columns(name.equals(this.table), key, version));
	}

	private @Nullable Event row(ByteBuffer message, boolean deleted) {
		Columns columns = columns(message.getInt());
		byte kind = message.get();
		Long previousKey = null;
		if (kind == 'K' || kind == 'O') {
			// A delete, or an update that changed the key: the old key first.
			List<@Nullable String> old = tuple(message);
			if (deleted) {
				return columns.followed() ? new RowChange(parse(old.get(columns.key())), null, null) : null;
			}
			String oldKey = old.get(columns.key());
			previousKey = (oldKey != null) ? Long.parseLong(oldKey) : null;
			message.get();
		}
		List<@Nullable String> row = tuple(message);
		if (!columns.followed()) {
			return null;
		}
		String version = (columns.version() >= 0) ? row.get(columns.version()) : null;
		return new RowChange(parse(row.get(columns.key())), (version != null) ? Long.parseLong(version) : null,
				previousKey);
	}

	private @Nullable Event truncate(ByteBuffer message) {
		int count = message.getInt();
		message.get();
		boolean followed = false;
		for (int i = 0; i < count; i++) {
			followed |= columns(message.getInt()).followed();
		}
		return followed ? new Truncate() : null;
	}

	private Columns columns(int relation) {
		Columns columns = this.relations.get(relation);
		if (columns == null) {
			throw new IllegalStateException("Change of relation " + relation + " before its description");
		}
		return columns;
	}

	private static List<@Nullable String> tuple(ByteBuffer message) {
		int count = message.getShort();
		List<@Nullable String> values = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			byte kind = message.get();
			if (kind == 't' || kind == 'b') {
				byte[] value = new byte[message.getInt()];
				message.get(value);
				values.add(new String(value, StandardCharsets.UTF_8));
			}
			else {
				// 'n': null; 'u': an unchanged TOASTed value, never a key or a version.
				values.add(null);
			}
		}
		return values;
	}

	private static long parse(@Nullable String key) {
		if (key == null) {
			throw new IllegalStateException("Change without a key");
		}
		return Long.parseLong(key);
	}

	private static String string(ByteBuffer message) {
		int start = message.position();
		int end = start;
		while (message.get(end) != 0) {
			end++;
		}
		String value = new String(message.array(), message.arrayOffset() + start, end - start, StandardCharsets.UTF_8);
		message.position(end + 1);
		return value;
	}

	private static Instant timestamp(long postgresMicros) {
		long micros = postgresMicros + POSTGRES_EPOCH_MICROS;
		return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
	}

	/** Where a relation keeps what invalidation needs, and whether it is the table. */
	private record Columns(boolean followed, int key, int version) {
	}

	/** What a message means to invalidation. */
	sealed interface Event permits Begin, Commit, RowChange, Truncate, Message {

	}

	record Begin(Instant committed) implements Event {
	}

	record Commit(Instant committed) implements Event {
	}

	/**
	 * A row of the table was inserted, updated or deleted.
	 *
	 * @param key its primary key
	 * @param version its version now; {@code null} when it was deleted
	 * @param previousKey the key it had before an update that changed it
	 */
	record RowChange(long key, @Nullable Long version, @Nullable Long previousKey) implements Event {
	}

	/** The table was truncated. */
	record Truncate() implements Event {
	}

	/** A logical message ({@code pg_logical_emit_message}). */
	record Message(String prefix, String content) implements Event {
	}

}
