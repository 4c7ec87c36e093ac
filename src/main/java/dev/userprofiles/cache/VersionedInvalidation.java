package dev.userprofiles.cache;

/**
 * A cache that can drop what is older than a version the database now holds, on every
 * level and every instance, while keeping what is as new or newer: what change data
 * capture needs, whose events also cover the service's own writes (their write-through
 * values survive).
 */
public interface VersionedInvalidation {

	/** The version of a row that no longer exists: every cached copy is older. */
	long DELETED = Long.MAX_VALUE;

	/**
	 * Drops every cached copy of {@code key} older than {@code version} (all of them for
	 * {@link #DELETED}), and returns once every live instance has.
	 * @throws CacheInvalidationException when that cannot be confirmed
	 */
	void invalidate(Object key, long version);

}
