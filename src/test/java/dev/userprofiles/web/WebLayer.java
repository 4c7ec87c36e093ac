package dev.userprofiles.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The web module's beans in a {@code @WebMvcTest} slice of another module's controllers:
 * the API's security, problem answers, request limits and strict JSON. The slice finds
 * the filters and advice itself, but not the configuration and components they need.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Import({ ApiSecurityConfiguration.class, ProblemResponses.class, ClientRateLimits.class, FailedAuthentications.class,
		StrictJsonConfiguration.class, WebLayer.Meters.class })
@EnableConfigurationProperties({ RequestLimitProperties.class, RateLimitProperties.class })
public @interface WebLayer {

	/**
	 * A slice has no metrics auto-configuration; the failed-authentication limit counts.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	class Meters {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

}
