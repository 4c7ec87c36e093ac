/**
 * Logging helpers shared by the cache and web layers.
 */
@NullMarked
package dev.userprofiles.logging;

import org.jspecify.annotations.NullMarked;
