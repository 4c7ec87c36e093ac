package dev.userprofiles.database;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers the application's SSL bundles for {@link SslBundleSocketFactory} before any
 * data source can open a connection: the service's own and the one Flyway builds for
 * {@code spring.flyway.user}, both of which take the bundle from the JDBC URL.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseSslConfiguration {

	@Bean
	static BeanPostProcessor sslBundlesForPostgres(ObjectProvider<SslBundles> sslBundles) {
		return new BeanPostProcessor() {

			@Override
			public Object postProcessBeforeInitialization(Object bean, String beanName) {
				if (bean instanceof DataSource || bean instanceof Flyway) {
					sslBundles.ifAvailable(SslBundleSocketFactory::register);
				}
				return bean;
			}

		};
	}

}
