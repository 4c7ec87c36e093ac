package dev.userprofiles.bench.service;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.context.annotation.Bean;

/**
 * The benchmark's "textbook" service: Spring Boot's default Redis cache, as a tutorial
 * sets it up. It takes out the service's {@code RedisCacheManagerBuilderCustomizer}
 * ({@code profileCaches}), so Boot builds the cache manager from its defaults alone: JDK
 * serialization, no TTL, keys {@code users::<id>}, Spring Data Redis's own cache writer.
 * <p>
 * Not a component: the benchmark puts this package alone on the service's classpath and
 * names the class in {@code spring.main.sources}.
 */
public class BootDefaultCaching {

	@Bean
	static BeanDefinitionRegistryPostProcessor withoutProfileCaches() {
		return new BeanDefinitionRegistryPostProcessor() {

			@Override
			public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
				registry.removeBeanDefinition("profileCaches");
			}

			@Override
			public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
			}

		};
	}

}
