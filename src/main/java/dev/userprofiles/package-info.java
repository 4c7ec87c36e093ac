/**
 * The user profile service: REST API, Postgres source of truth, Spring Cache on a Redis
 * Cluster.
 */
@NullMarked
package dev.userprofiles;

import org.jspecify.annotations.NullMarked;
