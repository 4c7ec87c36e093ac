/**
 * The cache layer: Redis Cluster cache manager, per-cache settings, leases, the local
 * level and its invalidation bus, failure handling. What a cache holds, and how it is
 * encoded, the module owning the values declares ({@link CacheValueCodec}).
 */
@ApplicationModule(displayName = "Cache", allowedDependencies = { "logging" })
@NullMarked
package dev.userprofiles.cache;

import org.jspecify.annotations.NullMarked;

import org.springframework.modulith.ApplicationModule;
