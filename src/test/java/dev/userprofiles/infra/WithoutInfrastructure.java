package dev.userprofiles.infra;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/**
 * A test class that starts no Redis and no Postgres: a unit, property or slice test. It
 * runs the same on either infrastructure backend, so {@code .ci/run} runs it once, with
 * the local backend, and leaves it out on the second ({@code -DexcludedGroups}). Tagged
 * for both engines: Jupiter's {@code @Tag} and jqwik's.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(WithoutInfrastructure.TAG)
@net.jqwik.api.Tag(WithoutInfrastructure.TAG)
public @interface WithoutInfrastructure {

	/** The tag to include or exclude: {@code -DexcludedGroups=without-infrastructure}. */
	String TAG = "without-infrastructure";

}
