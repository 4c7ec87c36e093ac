/**
 * The connection to Postgres beyond Boot's defaults: TLS through an SSL bundle.
 */
@NullMarked
package dev.userprofiles.database;

import org.jspecify.annotations.NullMarked;
