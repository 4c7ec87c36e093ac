/**
 * The connection to Postgres beyond Boot's defaults: TLS through an SSL bundle.
 */
@ApplicationModule(displayName = "Database", allowedDependencies = {})
@NullMarked
package dev.userprofiles.database;

import org.jspecify.annotations.NullMarked;

import org.springframework.modulith.ApplicationModule;
