package dev.userprofiles.profile;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.IllformedLocaleException;
import java.util.Locale;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import org.jspecify.annotations.Nullable;

/**
 * A well-formed BCP 47 language tag such as {@code en-GB}, checked by the JDK's strict
 * {@link Locale.Builder} (the lenient {@code Locale.forLanguageTag} accepts anything).
 */
@Documented
@Constraint(validatedBy = LanguageTag.Validator.class)
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER })
@Retention(RetentionPolicy.RUNTIME)
@interface LanguageTag {

	String message() default "must be a BCP 47 language tag such as en-GB";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	class Validator implements ConstraintValidator<LanguageTag, String> {

		@Override
		public boolean isValid(@Nullable String value, ConstraintValidatorContext context) {
			if (value == null) {
				return true;
			}
			if (value.isEmpty() || value.length() > 35) {
				return false;
			}
			try {
				new Locale.Builder().setLanguageTag(value);
				return true;
			}
			catch (IllformedLocaleException ex) {
				return false;
			}
		}

	}

}
