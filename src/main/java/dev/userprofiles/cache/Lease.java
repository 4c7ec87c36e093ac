package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A lease a caller asks for on one entry, to load its value: a random token that only
 * this caller knows, so that only the holder can fill, extend or release it.
 */
final class Lease {

	private final EntryKey entry;

	/**
	 * The lease's key, in a final field: the lease keeper extends the lease from its own
	 * thread.
	 */
	private final byte[] key;

	private final byte[] token;

	private Lease(EntryKey entry, byte[] token) {
		this.entry = entry;
		this.key = entry.lease();
		this.token = token;
	}

	/** A new token for {@code entry}; whether it is held is Redis's answer. */
	static Lease on(EntryKey entry) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		byte[] token = (Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()))
			.getBytes(StandardCharsets.US_ASCII);
		return new Lease(entry, token);
	}

	EntryKey entry() {
		return this.entry;
	}

	/** The lease's own key. */
	byte[] key() {
		return this.key;
	}

	byte[] token() {
		return this.token;
	}

}
