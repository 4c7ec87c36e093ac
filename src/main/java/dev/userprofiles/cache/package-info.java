/**
 * The cache layer: Redis Cluster cache manager, per-cache settings, value serializers and
 * failure handling.
 */
@ApplicationModule(displayName = "Cache", allowedDependencies = { "logging" })
@NullMarked
package dev.userprofiles.cache;

import org.jspecify.annotations.NullMarked;

import org.springframework.modulith.ApplicationModule;
