/**
 * Demo data, an explicit opt-in: active only with the Spring profile {@code demo}.
 */
@NullMarked
package dev.userprofiles.demo;

import org.jspecify.annotations.NullMarked;
