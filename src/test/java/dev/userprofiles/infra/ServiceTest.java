package dev.userprofiles.infra;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AliasFor;

/**
 * The whole service on a random port against the real Redis Cluster and Postgres of the
 * {@link TestInfrastructure}. Classes with the same properties share one context.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(InfrastructureConfiguration.class)
public @interface ServiceTest {

	/** Extra properties; Hibernate statistics are always on, so tests can count SQL. */
	@AliasFor(annotation = SpringBootTest.class, attribute = "properties")
	String[] properties() default "spring.jpa.properties.hibernate.generate_statistics=true";

}
