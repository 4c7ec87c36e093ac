package dev.userprofiles.cache;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.TransientDataAccessResourceException;

/**
 * A write's invalidation could not be confirmed everywhere (Redis failed, or a live
 * instance did not acknowledge in time): the write is committed, but an older value may
 * still be served, so it must not be acknowledged as done. Answered with 503 and
 * {@code Retry-After}; the invalidation is retried in the background.
 */
public class CacheInvalidationException extends TransientDataAccessResourceException {

	CacheInvalidationException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
