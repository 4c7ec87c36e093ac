/**
 * Cross-cutting web concerns: RFC 9457 problem responses and request body limits.
 */
@ApplicationModule(displayName = "Web", allowedDependencies = { "cache", "logging", "profile" })
@NullMarked
package dev.userprofiles.web;

import org.jspecify.annotations.NullMarked;

import org.springframework.modulith.ApplicationModule;
