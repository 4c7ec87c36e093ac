/**
 * User profiles: the REST API, the JPA entity and the service that reads them through the
 * cache.
 */
@ApplicationModule(displayName = "Profiles", allowedDependencies = { "cache" })
@NullMarked
package dev.userprofiles.profile;

import org.jspecify.annotations.NullMarked;

import org.springframework.modulith.ApplicationModule;
