package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The Redis keys of one cache entry: its value's and its lease's, in the same Redis
 * Cluster hash slot, so that one script on one node can change both. The cluster hashes
 * only what lies between the first '{' and the next '}': a key without a tag is wrapped
 * in one for its lease, and a key with a tag keeps it. An instance belongs to the thread
 * of one request: the lease key is made on first use, without synchronization
 * ({@link Lease} keeps its own copy, in a final field, for the lease keeper's thread).
 */
final class EntryKey {

	private static final byte[] LEASE_SUFFIX = "~lease".getBytes(StandardCharsets.UTF_8);

	private final byte[] value;

	/** Made on first use: a hit, the common case, needs no lease key. */
	private byte @Nullable [] lease;

	private EntryKey(byte[] value) {
		this.value = value;
	}

	/** The entry stored under {@code valueKey}. */
	static EntryKey of(byte[] valueKey) {
		return new EntryKey(valueKey);
	}

	byte[] value() {
		return this.value;
	}

	/**
	 * The lease's key.
	 * @throws IllegalArgumentException when the value key has a '{' but no hash tag
	 */
	byte[] lease() {
		byte[] lease = this.lease;
		if (lease == null) {
			lease = leaseKey(this.value);
			this.lease = lease;
		}
		return lease;
	}

	/** Both keys, value first: the {@code KEYS} of the scripts that change an entry. */
	List<byte[]> both() {
		return List.of(this.value, lease());
	}

	private static byte[] leaseKey(byte[] key) {
		int open = indexOf(key, (byte) '{', 0);
		if (open < 0) {
			byte[] lease = new byte[key.length + 2 + LEASE_SUFFIX.length];
			lease[0] = '{';
			System.arraycopy(key, 0, lease, 1, key.length);
			lease[key.length + 1] = '}';
			System.arraycopy(LEASE_SUFFIX, 0, lease, key.length + 2, LEASE_SUFFIX.length);
			return lease;
		}
		int close = indexOf(key, (byte) '}', open + 1);
		if (close <= open + 1) {
			throw new IllegalArgumentException("Cache key '" + new String(key, StandardCharsets.UTF_8)
					+ "' has a '{' but no hash tag: its lease could not share its slot");
		}
		byte[] lease = Arrays.copyOf(key, key.length + LEASE_SUFFIX.length);
		System.arraycopy(LEASE_SUFFIX, 0, lease, key.length, LEASE_SUFFIX.length);
		return lease;
	}

	private static int indexOf(byte[] bytes, byte wanted, int from) {
		for (int i = from; i < bytes.length; i++) {
			if (bytes[i] == wanted) {
				return i;
			}
		}
		return -1;
	}

	@Override
	public String toString() {
		return new String(this.value, StandardCharsets.UTF_8);
	}

}
