/**
 * Test infrastructure: starts a real Redis Cluster and a real Postgres once per JVM, as
 * containers or local processes, and hands them to Spring.
 */
@NullMarked
package dev.userprofiles.infra;

import org.jspecify.annotations.NullMarked;
