/**
 * Cross-cutting web concerns: RFC 9457 problem responses and request body limits.
 */
@NullMarked
package dev.userprofiles.web;

import org.jspecify.annotations.NullMarked;
