package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;

/**
 * The version inside an encoded cache value, read without decoding it: the last protobuf
 * field (number 10, a varint) or JSON's last member ({@code "version":n}). The Java twin
 * of the Lua function {@code LeaseCacheWriter} runs inside Redis.
 */
final class EncodedVersion {

	/** What {@link #of} answers for a value that carries no version. */
	static final long NONE = -1;

	private static final byte[] JSON_VERSION = "\"version\":".getBytes(StandardCharsets.US_ASCII);

	private EncodedVersion() {
	}

	static long of(byte[] encoded) {
		int n = encoded.length;
		if (n < 2) {
			return NONE;
		}
		return (encoded[0] == '{') ? json(encoded) : protobuf(encoded);
	}

	private static long protobuf(byte[] encoded) {
		int last = encoded.length - 1;
		if ((encoded[last] & 0x80) != 0) {
			return NONE;
		}
		int first = last;
		while (first > 0 && (encoded[first - 1] & 0x80) != 0) {
			first--;
		}
		// The varint needs its tag (field 10, varint: 0x50) in front of it.
		if (first < 1 || encoded[first - 1] != 0x50 || last - first > 9) {
			return NONE;
		}
		long version = 0;
		for (int i = last; i >= first; i--) {
			version = (version << 7) | (encoded[i] & 0x7f);
		}
		return version;
	}

	private static long json(byte[] encoded) {
		int end = encoded.length - 1;
		if (encoded[end] != '}') {
			return NONE;
		}
		int start = end;
		while (start > 0 && encoded[start - 1] >= '0' && encoded[start - 1] <= '9') {
			start--;
		}
		if (start == end || end - start > 18 || start < JSON_VERSION.length) {
			return NONE;
		}
		for (int i = 0; i < JSON_VERSION.length; i++) {
			if (encoded[start - JSON_VERSION.length + i] != JSON_VERSION[i]) {
				return NONE;
			}
		}
		return Long.parseLong(new String(encoded, start, end - start, StandardCharsets.US_ASCII));
	}

}
