package dev.userprofiles.cache;

/**
 * The names of the caches this service uses, in one place; their TTLs and value formats
 * are configured under {@code profiles.cache.caches.<name>}.
 */
public final class CacheNames {

	/** Profiles by id: {@code <key-prefix>users::<id>}. */
	public static final String USERS = "users";

	private CacheNames() {
	}

}
