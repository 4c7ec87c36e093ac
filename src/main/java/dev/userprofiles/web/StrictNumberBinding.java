package dev.userprofiles.web;

import java.beans.PropertyEditorSupport;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * Reads integer path variables and query parameters as plain decimals. Spring's default
 * editors go through {@code Long.decode}, which accepts {@code 0x1}, {@code #1} and
 * surrounding blanks, so {@code /users/0x1} would silently mean {@code /users/1}. A
 * custom editor, because a failing converter falls back to those default editors.
 */
@ControllerAdvice
class StrictNumberBinding {

	private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,19}");

	@InitBinder
	void bindDecimalsOnly(WebDataBinder binder) {
		binder.registerCustomEditor(long.class, new DecimalEditor(Long::valueOf));
		binder.registerCustomEditor(Long.class, new DecimalEditor(Long::valueOf));
		binder.registerCustomEditor(int.class, new DecimalEditor(Integer::valueOf));
		binder.registerCustomEditor(Integer.class, new DecimalEditor(Integer::valueOf));
	}

	private static final class DecimalEditor extends PropertyEditorSupport {

		private final Function<String, Number> parser;

		DecimalEditor(Function<String, Number> parser) {
			this.parser = parser;
		}

		@Override
		public void setAsText(String text) {
			if (!DECIMAL.matcher(text).matches()) {
				throw new IllegalArgumentException("Not a decimal integer: " + text);
			}
			setValue(this.parser.apply(text));
		}

	}

}
