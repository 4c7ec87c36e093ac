/**
 * Change data capture: Postgres logical decoding of the profile table, turned into
 * invalidations of the cache, so that writes made behind the service's back reach every
 * instance.
 */
@NullMarked
package dev.userprofiles.changes;

import org.jspecify.annotations.NullMarked;
