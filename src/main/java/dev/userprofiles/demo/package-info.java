/**
 * Demo data, an explicit opt-in: active only with the Spring profile {@code demo}.
 */
@ApplicationModule(displayName = "Demo data", allowedDependencies = {})
@NullMarked
package dev.userprofiles.demo;

import org.jspecify.annotations.NullMarked;

import org.springframework.modulith.ApplicationModule;
