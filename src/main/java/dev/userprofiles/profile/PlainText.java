package dev.userprofiles.profile;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import org.jspecify.annotations.Nullable;

/**
 * Text that can be stored and shown as it was sent: well-formed UTF-16 (no unpaired
 * surrogate, which the JDBC driver's UTF-8 encoder silently turns into {@code ?}) and no
 * control characters (Postgres cannot store U+0000 at all). Single-line text refuses the
 * bidirectional embedding, override and isolate controls too, with which a name can be
 * made to read as another; multi-line text keeps them and allows tab and line breaks.
 */
@Documented
@Constraint(validatedBy = PlainText.Validator.class)
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER })
@Retention(RetentionPolicy.RUNTIME)
@interface PlainText {

	/** Whether tab, line feed and carriage return are allowed. */
	boolean multiline() default false;

	String message() default "must not contain control characters or unpaired surrogates";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	class Validator implements ConstraintValidator<PlainText, String> {

		private boolean multiline;

		@Override
		public void initialize(PlainText constraint) {
			this.multiline = constraint.multiline();
		}

		@Override
		public boolean isValid(@Nullable String value, ConstraintValidatorContext context) {
			return value == null || isPlain(value, this.multiline);
		}

		static boolean isPlain(String value, boolean multiline) {
			for (int i = 0; i < value.length(); i++) {
				char c = value.charAt(i);
				if (Character.isHighSurrogate(c) && i + 1 < value.length()
						&& Character.isLowSurrogate(value.charAt(i + 1))) {
					i++;
				}
				else if (Character.isSurrogate(c)) {
					return false;
				}
				else if (Character.isISOControl(c)) {
					if (!multiline || (c != '\t' && c != '\n' && c != '\r')) {
						return false;
					}
				}
				else if (!multiline && isBidiControl(c)) {
					return false;
				}
			}
			return true;
		}

		/** U+202A to U+202E (embeddings, overrides) and U+2066 to U+2069 (isolates). */
		private static boolean isBidiControl(char c) {
			return (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');
		}

	}

}
