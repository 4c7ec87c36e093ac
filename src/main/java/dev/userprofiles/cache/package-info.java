/**
 * The cache layer: Redis Cluster cache manager, per-cache settings, value serializers and
 * failure handling.
 */
@NullMarked
package dev.userprofiles.cache;

import org.jspecify.annotations.NullMarked;
