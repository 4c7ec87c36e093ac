package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;

/**
 * The version inside an encoded cache value, read without decoding it: the last protobuf
 * field (number 10, a varint) or JSON's last member ({@code "version":n}). Read twice, by
 * one contract: here for the local level and replica reads, and in Lua ({@link #LUA}) by
 * the scripts that compare versions inside Redis. Lua numbers are doubles, so both read
 * only versions from 0 to 2^53 - 1, and nothing above: a version moves by one per write,
 * and one set above by hand reads as none, so a write-through put invalidates instead.
 * {@code EncodedVersionProperties} checks that both read the same on generated values.
 */
final class EncodedVersion {

	/** What {@link #of} answers for a value that carries no version. */
	static final long NONE = -1;

	/** Versions are below this: 2^53, where doubles stop holding every integer. */
	static final long LIMIT = 1L << 53;

	/**
	 * Defines the Lua function {@code version(encoded)}: what {@link #of} reads, or
	 * {@code nil} where it answers {@link #NONE}.
	 */
	static final String LUA = """
			local function version(encoded)
			  local n = #encoded
			  if n < 2 then
			    return nil
			  end
			  if string.byte(encoded, 1) == 123 then
			    local v = string.match(encoded, '"version":(%d+)}$')
			    if not v or #v > 16 or tonumber(v) >= 9007199254740992 then
			      return nil
			    end
			    return tonumber(v)
			  end
			  -- protobuf: field 10 (tag 0x50), a varint, is the last field
			  if string.byte(encoded, n) >= 128 then
			    return nil
			  end
			  local first = n
			  while first > 1 and string.byte(encoded, first - 1) >= 128 do
			    first = first - 1
			  end
			  if first < 2 or string.byte(encoded, first - 1) ~= 80 or n - first > 7 then
			    return nil
			  end
			  local v, scale = 0, 1
			  for i = first, n do
			    v = v + (string.byte(encoded, i) % 128) * scale
			    scale = scale * 128
			  end
			  if v >= 9007199254740992 then
			    return nil
			  end
			  return v
			end
			""";

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
		// At most 8 bytes: 56 bits, enough for every version below the limit.
		if (first < 1 || encoded[first - 1] != 0x50 || last - first > 7) {
			return NONE;
		}
		long version = 0;
		for (int i = last; i >= first; i--) {
			version = (version << 7) | (encoded[i] & 0x7f);
		}
		return (version < LIMIT) ? version : NONE;
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
		// At most 16 digits: every version below the limit.
		if (start == end || end - start > 16 || start < JSON_VERSION.length) {
			return NONE;
		}
		for (int i = 0; i < JSON_VERSION.length; i++) {
			if (encoded[start - JSON_VERSION.length + i] != JSON_VERSION[i]) {
				return NONE;
			}
		}
		long version = Long.parseLong(new String(encoded, start, end - start, StandardCharsets.US_ASCII));
		return (version < LIMIT) ? version : NONE;
	}

}
