package dev.userprofiles.demo;

import dev.userprofiles.infra.WithoutInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import static org.assertj.core.api.Assertions.assertThat;

@WithoutInfrastructure
class DemoProfilesTests {

	// The runner is only registered here, never run: no database is needed.
	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withBean(JdbcTemplate.class, () -> new JdbcTemplate(new SimpleDriverDataSource()))
		.withUserConfiguration(DemoProfiles.class);

	@Test
	void seedsNothingWithoutTheDemoProfile() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(ApplicationRunner.class));
	}

	@Test
	void seedsWhenTheDemoProfileIsActive() {
		this.contextRunner.withPropertyValues("spring.profiles.active=demo")
			.run((context) -> assertThat(context).hasSingleBean(ApplicationRunner.class));
	}

}
