/**
 * Logging helpers shared by the cache and web layers.
 */
@ApplicationModule(displayName = "Logging", allowedDependencies = {})
@NullMarked
package dev.userprofiles.logging;

import org.jspecify.annotations.NullMarked;

import org.springframework.modulith.ApplicationModule;
