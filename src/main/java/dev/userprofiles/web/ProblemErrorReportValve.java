package dev.userprofiles.web;

import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * Answers requests that Tomcat rejects before any servlet runs (a malformed
 * percent-encoding such as {@code /users/%zz}, an encoded NUL) with a problem instead of
 * Tomcat's HTML error page. Public with a no-argument constructor because Tomcat
 * instantiates its error report valve by class name.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

	@Override
	protected void report(Request request, Response response, Throwable throwable) {
		int status = response.getStatus();
		if (status < 400 || response.getContentWritten() > 0) {
			return;
		}
		HttpStatus known = HttpStatus.resolve(status);
		String reason = (known != null) ? known.getReasonPhrase() : "HTTP status " + status;
		Map<String, Object> problem = new LinkedHashMap<>();
		problem.put("type", ProblemResponses.BLANK.toString());
		problem.put("title", reason);
		problem.put("status", status);
		problem.put("detail", (status == 400) ? "The request line or its URI is malformed" : reason);
		if (request.getRequestURI() != null) {
			problem.put("instance", request.getRequestURI());
		}
		try {
			response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
			response.setCharacterEncoding("UTF-8");
			Writer writer = response.getReporter();
			if (writer != null) {
				writer.write(JsonMapper.shared().writeValueAsString(problem));
				response.finishResponse();
			}
		}
		catch (IOException | IllegalStateException ex) {
			// The client went away or the response got committed: nothing to add.
		}
	}

	/**
	 * Installs the valve as the host's error report valve, replacing Tomcat's HTML one.
	 */
	@Configuration(proxyBeanMethods = false)
	static class Installation {

		@Bean
		TomcatContextCustomizer problemErrorReportValve() {
			return (context) -> ((StandardHost) context.getParent())
				.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
		}

	}

}
