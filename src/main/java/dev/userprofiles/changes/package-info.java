/**
 * Change data capture: Postgres logical decoding of the profile table, turned into
 * invalidations of the cache, so that writes made behind the service's back reach every
 * instance.
 */
@ApplicationModule(displayName = "Change capture", allowedDependencies = { "cache", "logging", "profile" })
@NullMarked
package dev.userprofiles.changes;

import org.jspecify.annotations.NullMarked;

import org.springframework.modulith.ApplicationModule;
